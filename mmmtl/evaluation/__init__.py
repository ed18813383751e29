from .error_analysis import (
    FrameErrors,
    IDSwitch,
    RecordingCLEAR,
    SequenceErrors,
    analyse_errors,
)
from .mmmtl_mot_metric import MMMTLMOTMetric
from .multiclass_mot_metric import (
    MultiClassMOTMetric,
    class_numbers,
    evaluate_classes,
    evaluate_multiclass,
)
from .offline_eval import (
    AGREEMENT_METRICS,
    ALL_METRICS,
    BACKENDS,
    COUNT_METRICS,
    IDENTITY_METRICS,
    TABLE_METRICS,
    compare_backends,
    eval_motmetrics,
    eval_trackeval,
    evaluate_mot,
    evaluate_sequences,
    format_table,
    load_sequences,
    run_motmetrics,
    run_trackeval,
    unexplained_disagreement,
)

__all__ = [
    'MMMTLMOTMetric', 'MultiClassMOTMetric', 'AGREEMENT_METRICS',
    'ALL_METRICS', 'BACKENDS', 'COUNT_METRICS', 'FrameErrors', 'IDSwitch',
    'IDENTITY_METRICS', 'RecordingCLEAR', 'SequenceErrors', 'analyse_errors',
    'TABLE_METRICS', 'compare_backends', 'eval_motmetrics', 'eval_trackeval',
    'evaluate_mot', 'evaluate_sequences', 'format_table', 'load_sequences',
    'run_motmetrics', 'run_trackeval', 'unexplained_disagreement',
    'class_numbers', 'evaluate_classes', 'evaluate_multiclass'
]

