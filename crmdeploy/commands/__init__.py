"""The commands of `crmdeploy`, one module per command or group.

Each module defines plain functions (and `xlsx` a sub-app); `crmdeploy.cli` registers them. The
options every command shares and the one error boundary live in `_common`. No module here imports
`crmdeploy.cli`, so the package has no import cycle; heavy modules are imported inside the
commands, so `crmdeploy --help` starts fast.
"""
