"""The experiment grid (validation tuning, Table 3, buckets, beta sweep, ablations, bootstrap)
and its results files."""
