from .loss_weight_curves import find_scalar_json, plot_loss_weights
from .track_visualizer import MMMTLTrackVisualizer

__all__ = ['MMMTLTrackVisualizer', 'find_scalar_json', 'plot_loss_weights']
