"""Dashboard helpers: the only package that imports streamlit (pages call these, nothing else)."""
