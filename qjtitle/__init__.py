"""qjtitle：曲靖市职称评审委员会办事机构的工作工具。

Only the version lives here, so that ``qjtitle --help`` stays cheap.
"""

__version__ = "0.1.0"
