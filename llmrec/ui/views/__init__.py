"""Screen sections, one module per page; each function draws one part of a page."""
