"""Designs: the aggregate (requirements, conversation, versioned artifacts, workspace) and its store.

`Design` lives in `aggregate`; `workbench.design(name)` (a function of the top-level package)
opens one. Nothing outside this package opens the store or reads a design's rows.

The attribute `workbench.design` is that function, so import this package's modules by path:
`from workbench.design.aggregate import Design` or `from workbench.design import store`.
"""
