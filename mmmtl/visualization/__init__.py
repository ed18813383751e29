from .loss_weight_curves import (
    GREEK,
    find_scalar_json,
    load_weight_series,
    plot_loss_weights,
)
from .track_visualizer import MMMTLTrackVisualizer

__all__ = [
    'GREEK', 'MMMTLTrackVisualizer', 'find_scalar_json', 'load_weight_series',
    'plot_loss_weights'
]
