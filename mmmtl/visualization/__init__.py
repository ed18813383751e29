__all__ = []
from .loss_weight_curves import plot_loss_weights
from .track_visualizer import MMMTLTrackVisualizer

__all__ += ['MMMTLTrackVisualizer']
__all__ += ['plot_loss_weights']
