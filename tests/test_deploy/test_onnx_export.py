"""ONNX export and onnxruntime inference against PyTorch, every head.

The model is the quickstart's (ResNet-18 at half width, FPN P3-P5 with 64
channels, 2-conv towers, 64-d embeddings) at its 192x320 input, with the
head type swapped for each structure (a)-(f) of the CE paper.
"""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.config import Config

from mmmtl.testing import HEAD_TYPES, random_init_model

ort = pytest.importorskip(
    'onnxruntime',
    reason='onnxruntime is not installed (pip install "mmmtl[deploy]")')
pytest.importorskip(
    'onnx', reason='onnx is not installed (pip install "mmmtl[deploy]")')

from mmmtl.apis import (  # noqa: E402
    init_mot_model,
    onnxruntime_cfg,
    prepare_frame,
    track_frame,
)
from mmmtl.datasets import generate_sequence  # noqa: E402
from mmmtl.deploy import (  # noqa: E402
    ORTDetector,
    export_detector_onnx,
    output_names,
    read_onnx_metadata,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    ROOT, 'configs', 'quickstart',
    'ce-lwf_retinanet_r18-w32_fpn_1xb8-2400i_synthmot_test-synthmot.py')
H, W = 192, 320


def quickstart_cfg(head: str = 'CEHead') -> Config:
    """The quickstart config with another head type and random weights."""
    cfg = Config.fromfile(QUICKSTART)
    bbox_head = cfg.model.detector.bbox_head
    bbox_head.type = head
    bbox_head.num_identities = 50
    if head != 'CEHead':
        bbox_head.pop('ce_cfg')
    # random weights score ~0.01 everywhere: keep boxes and tracks anyway
    cfg.model.detector.test_cfg.update(score_thr=0.0, max_per_img=30)
    cfg.model.tracker.update(obj_score_thr=0.0, init_track_thr=0.0)
    return cfg


def random_model(cfg: Config, seed: int = 0) -> torch.nn.Module:
    """The config's model, initialised, then its head's outputs spread.

    With the head's initial weights (std 0.01 convs, prior bias) every
    anchor scores alike and the order of NMS is decided by rounding;
    Kaiming weights in the head give scores and boxes that differ from
    anchor to anchor, as a trained model's do.
    """
    model = random_init_model(cfg, seed)
    with torch.no_grad():
        for m in model.detector.bbox_head.modules():
            # CE's first conv (2k inputs) keeps its own init
            if isinstance(m, nn.Conv2d) and m.in_channels > 8:
                nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
                nn.init.zeros_(m.bias)
    return model.eval()


def sample_input(model: torch.nn.Module, frame_id: int = 0):
    """A normalised synthetic frame (1, 3, H, W) and its data sample."""
    frames, _ = generate_sequence(frame_id + 1, (W, H), seed=3)
    data = prepare_frame(model, frames[frame_id], frame_id)
    data = model.data_preprocessor(data, False)
    return data['inputs'][:, 0].contiguous(), data['data_samples'][0][0]


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """Each head's random model and its ONNX graph, exported once."""
    root = tmp_path_factory.mktemp('onnx')
    out = {}
    for head in HEAD_TYPES:
        cfg = quickstart_cfg(head)
        model = random_model(cfg)
        model.cfg = cfg
        onnx_file = str(root / f'{head}.onnx')
        info = export_detector_onnx(
            model.detector, onnx_file, shape=(H, W), metadata=dict(
                classes=['pedestrian']))
        out[head] = dict(cfg=cfg, model=model, onnx=onnx_file, info=info)
    return out


@pytest.mark.parametrize('head', HEAD_TYPES)
def test_onnxruntime_matches_pytorch(exported, head):
    """Raw outputs, boxes and scores within 1e-4, embeddings cos >= 0.9999."""
    item = exported[head]
    model, cfg = item['model'], item['cfg']
    assert item['info']['head'] == head
    assert read_onnx_metadata(item['onnx'])['classes'] == ['pedestrian']
    ort_detector = MODELS.build(
        onnxruntime_cfg(cfg, item['onnx']).model.detector)
    inputs, sample = sample_input(model)
    with torch.no_grad():
        ref = model.detector(inputs, None, mode='tensor')
        got = ort_detector(inputs, None, mode='tensor')
        for ref_level, got_level in zip(ref, got):
            for r, g in zip(ref_level, got_level):
                torch.testing.assert_close(g, r, rtol=0, atol=1e-4)
        ref_det = model.detector.predict(inputs, [sample.clone()])[0]
        got_det = ort_detector.predict(inputs, [sample.clone()])[0]
    ref_det, got_det = ref_det.pred_instances, got_det.pred_instances
    assert len(ref_det) == len(got_det) == 30
    # scores spread out: the order of the kept boxes is not a tie-break
    assert float(ref_det.scores.max() - ref_det.scores.min()) > 0.01
    torch.testing.assert_close(
        got_det.scores, ref_det.scores, rtol=0, atol=1e-4)
    torch.testing.assert_close(
        got_det.bboxes, ref_det.bboxes, rtol=0, atol=1e-4)
    torch.testing.assert_close(got_det.labels, ref_det.labels)
    cos = F.cosine_similarity(got_det.embeds, ref_det.embeds, dim=1)
    assert float(cos.min()) >= 0.9999
    torch.testing.assert_close(
        got_det.embeds, ref_det.embeds, rtol=0, atol=1e-4)


def test_dynamic_batch_and_size(exported):
    """A graph traced at 192x320 runs two 256x384 images."""
    item = exported['CEHead']
    model = item['model']
    ort_detector = MODELS.build(
        onnxruntime_cfg(item['cfg'], item['onnx']).model.detector)
    torch.manual_seed(1)
    inputs = torch.randn(2, 3, 256, 384)
    with torch.no_grad():
        ref = model.detector(inputs, None, mode='tensor')
        got = ort_detector(inputs, None, mode='tensor')
    for ref_level, got_level in zip(ref, got):
        for r, g in zip(ref_level, got_level):
            assert g.shape == r.shape and g.shape[0] == 2
            torch.testing.assert_close(g, r, rtol=0, atol=1e-4)


def test_thirty_frames_same_tracks(exported, tmp_path):
    """The tracker on onnxruntime detections gives PyTorch's identities."""
    item = exported['CEHead']
    cfg = item['cfg']
    ckpt = str(tmp_path / 'ce.pth')
    torch.save(
        dict(
            state_dict=item['model'].state_dict(),
            meta=dict(dataset_meta=dict(classes=('pedestrian', )))), ckpt)
    models = dict(
        pytorch=init_mot_model(cfg, ckpt, device='cpu'),
        onnxruntime=init_mot_model(
            cfg, backend='onnxruntime', onnx_file=item['onnx']))
    assert isinstance(models['onnxruntime'].detector, ORTDetector)
    assert models['onnxruntime'].dataset_meta['classes'] == ('pedestrian', )
    frames, _ = generate_sequence(30, (W, H), seed=5, num_targets=6)
    tracks = {name: [] for name in models}
    for name, model in models.items():
        for i, frame in enumerate(frames):
            data = prepare_frame(model, frame, i, len(frames))
            tracks[name].append(
                track_frame(model, data)[0].pred_track_instances)
    ids = set()
    for ref, got in zip(tracks['pytorch'], tracks['onnxruntime']):
        assert ref.instances_id.tolist() == got.instances_id.tolist()
        torch.testing.assert_close(got.bboxes, ref.bboxes, rtol=0, atol=1e-3)
        ids.update(ref.instances_id.tolist())
    # the tracker had real work: many tracks, births and deaths
    assert len(ids) > 10
    assert sum(len(t) for t in tracks['pytorch']) > 100


def test_mismatched_graph_is_refused(exported):
    """A graph of another head or size names the file and the mismatch."""
    cfg = exported['CEHead']['cfg']
    other = exported['TripleBranchHead']['onnx']
    with pytest.raises(ValueError, match='TripleBranchHead'):
        MODELS.build(onnxruntime_cfg(cfg, other).model.detector)
    wider = copy.deepcopy(cfg)
    wider.model.detector.bbox_head.embed_channels = 32
    with pytest.raises(ValueError, match='embed_channels'):
        MODELS.build(
            onnxruntime_cfg(wider, exported['CEHead']['onnx']).model.detector)
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        MODELS.build(onnxruntime_cfg(cfg, 'missing.onnx').model.detector)


def test_backend_arguments_are_checked(exported):
    cfg = exported['CEHead']['cfg']
    with pytest.raises(ValueError, match='weights from'):
        init_mot_model(cfg, 'x.pth', backend='onnxruntime',
                       onnx_file=exported['CEHead']['onnx'])
    with pytest.raises(ValueError, match='needs an ONNX file'):
        init_mot_model(cfg, backend='onnxruntime')
    with pytest.raises(ValueError, match="only read by backend"):
        init_mot_model(cfg, 'x.pth', onnx_file='m.onnx')
    with pytest.raises(ValueError, match='backend must be one of'):
        init_mot_model(cfg, backend='tensorrt')


def test_output_names():
    assert output_names(2) == [
        'cls_score_0', 'cls_score_1', 'bbox_pred_0', 'bbox_pred_1',
        'reid_feat_0', 'reid_feat_1'
    ]
