from .error_pictures import (
    ERROR_COLOURS,
    ErrorMark,
    count_marks,
    draw_frame_errors,
    frame_marks,
    plot_error_summary,
    show_errors,
    write_error_report,
)
from .loss_weight_curves import (
    GREEK,
    find_scalar_json,
    load_weight_series,
    plot_loss_weights,
)
from .track_visualizer import MMMTLTrackVisualizer

__all__ = [
    'ERROR_COLOURS', 'ErrorMark', 'GREEK', 'MMMTLTrackVisualizer',
    'count_marks', 'draw_frame_errors', 'frame_marks', 'plot_error_summary',
    'show_errors', 'write_error_report',
    'find_scalar_json', 'load_weight_series', 'plot_loss_weights'
]
