from .mmmtl_mot_metric import MMMTLMOTMetric
from .mot_io import (
    BENCHMARKS,
    GT_FIELDS,
    MOT_CLASSES,
    RESULT_FIELDS,
    MOTFormatError,
    SeqInfo,
    distractor_classes,
    read_mot_gt,
    read_mot_results,
    read_seqinfo,
    write_mot_gt,
    write_mot_results,
    write_seqinfo,
)
from .offline_eval import (
    AGREEMENT_METRICS,
    ALL_METRICS,
    TABLE_METRICS,
    MOTSequence,
    box_iou_xywh,
    compare_backends,
    eval_motmetrics,
    eval_trackeval,
    evaluate_mot,
    format_table,
    load_sequences,
    preprocess_frame,
)

__all__ = [
    'MMMTLMOTMetric', 'BENCHMARKS', 'GT_FIELDS', 'MOT_CLASSES',
    'RESULT_FIELDS', 'MOTFormatError', 'SeqInfo', 'distractor_classes',
    'read_mot_gt', 'read_mot_results', 'read_seqinfo', 'write_mot_gt',
    'write_mot_results', 'write_seqinfo', 'AGREEMENT_METRICS', 'ALL_METRICS',
    'TABLE_METRICS', 'MOTSequence', 'box_iou_xywh', 'compare_backends',
    'eval_motmetrics', 'eval_trackeval', 'evaluate_mot', 'format_table',
    'load_sequences', 'preprocess_frame'
]
