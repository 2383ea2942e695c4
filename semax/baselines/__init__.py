"""Baselines trained by the same loop, on the same split and leak-free histories as SEMAX.

One module per model (cornac style), each with a docstring citing its paper and listing every
hyperparameter; shared text pieces live in `text_cnn`. Importing this package registers each
baseline with `semax.registry`.
"""

from semax.baselines.bias import BiasConfig, BiasModel
from semax.baselines.deepconn import DeepCoNN, DeepCoNNConfig
from semax.baselines.ncf import NCFConfig, NeuMF
from semax.baselines.transnets import TransNets, TransNetsConfig
from semax.registry import register

register("bias", BiasModel, BiasConfig, "Global mean + regularised user and item biases")
register("ncf", NeuMF, NCFConfig, "NCF / NeuMF (He et al., WWW 2017): GMF + MLP towers")
register(
    "deepconn",
    DeepCoNN,
    DeepCoNNConfig,
    "DeepCoNN (Zheng et al., WSDM 2017): CNN towers over leak-free history documents + FM",
)
register(
    "transnets",
    TransNets,
    TransNetsConfig,
    "TransNets (Catherine & Cohen, RecSys 2017): DeepCoNN source net mimicking a target net",
)
register(
    "transnets-ext",
    TransNets,
    TransNetsConfig,
    "TransNets-Ext: TransNets with user and item id embeddings in the source network",
    ext=True,
)

__all__ = [
    "BiasConfig",
    "BiasModel",
    "DeepCoNN",
    "DeepCoNNConfig",
    "NCFConfig",
    "NeuMF",
    "TransNets",
    "TransNetsConfig",
]
