"""Loopscope's agent launcher: `python loopscope_launch.py [--module] TARGET [ARGS...]`.

Channels come from LOOPSCOPE_EVENT_FD / LOOPSCOPE_CMD_FD (docs/trace-format.md). Python
put this folder at sys.path[0]; the launcher replaces it with the script's own folder
(or the current directory for --module) before the program runs.
"""

import loopscope_agent.launcher

loopscope_agent.launcher.main()
