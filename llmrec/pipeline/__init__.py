"""Pipeline: the staged build that turns a source into a workspace, and the workspace reader."""
