"""SEMAX Studio's app logic: everything the app computes or holds (state, caches, jobs, uploads,
HTML), so the pages in pages/ stay widgets only and import from here, never from `semax.*`.
The library, `semax/`, never imports streamlit."""
