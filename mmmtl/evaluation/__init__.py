from .embedding_quality import (
    EmbeddingQuality,
    cache_embedding_quality,
    embedding_quality,
    match_to_ground_truth,
)
from .error_analysis import (
    FrameErrors,
    IDSwitch,
    RecordingCLEAR,
    SequenceErrors,
    analyse_errors,
)
from .identity_oracle import oracle_identities
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
    COUNT_METRICS,
    IDENTITY_METRICS,
    METRIC_BACKENDS,
    TABLE_METRICS,
    evaluate_mot,
    evaluate_sequences,
    load_sequences,
)
from .result_tables import (
    compare_backends,
    format_table,
    unexplained_disagreement,
)

__all__ = [
    'MMMTLMOTMetric', 'MultiClassMOTMetric', 'AGREEMENT_METRICS',
    'ALL_METRICS', 'METRIC_BACKENDS', 'COUNT_METRICS', 'FrameErrors',
    'IDSwitch', 'IDENTITY_METRICS', 'RecordingCLEAR', 'SequenceErrors',
    'analyse_errors', 'TABLE_METRICS', 'compare_backends', 'evaluate_mot',
    'evaluate_sequences', 'format_table', 'load_sequences',
    'unexplained_disagreement', 'class_numbers', 'evaluate_classes',
    'evaluate_multiclass', 'EmbeddingQuality', 'cache_embedding_quality',
    'embedding_quality', 'match_to_ground_truth', 'oracle_identities'
]
