from .dense_heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .loss_balancers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .mot import *  # noqa: F401,F403
from .trackers import *  # noqa: F401,F403
