"""A car and a person crossing: identities never pass between classes."""
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

import mmmtl  # noqa: F401  (registers the tracker)

PERSON, CAR = 0, 1


def _frame(frame_id, boxes, labels, embeds):
    sample = DetDataSample(metainfo=dict(frame_id=frame_id, frame_rate=25))
    n = len(boxes)
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.full((n, ), 0.9),
        labels=torch.tensor(labels, dtype=torch.long),
        embeds=torch.tensor(embeds, dtype=torch.float32))
    return sample


@pytest.mark.parametrize('preset', ['adaptive', 'robust', 'fairmot'])
def test_car_and_person_crossing_share_no_identity(preset):
    """The car drives through the standing person's box.

    Both detections carry the same embedding (the worst case for an
    appearance cost), and in the middle frames the boxes overlap with
    IoU above 0.4, so any stage comparing across classes would hand the
    person's track to the car or the car's to the person.
    """
    tracker = MODELS.build(dict(type='JDETracker', preset=preset,
                                output_bboxes='detection'))
    emb = np.ones((2, 16), np.float32) / 4.0
    person = [190., 100., 230., 200.]
    seen = {PERSON: set(), CAR: set()}
    overlapped = False
    for f in range(40):
        x = 20. + 10. * f  # the car: 120x80, moving right
        car = [x, 120., x + 120., 200.]
        ix = max(0., min(car[2], person[2]) - max(car[0], person[0]))
        iy = max(0., min(car[3], person[3]) - max(car[1], person[1]))
        inter = ix * iy
        iou = inter / (120 * 80 + 40 * 100 - inter)
        overlapped |= iou > 0.15
        res = tracker.track(_frame(f, [person, car], [PERSON, CAR], emb))
        for label, ident in zip(res.labels.tolist(),
                                res.instances_id.tolist()):
            seen[label].add(ident)
    assert overlapped
    # each object kept one identity, and the two never shared one
    assert len(seen[PERSON]) == 1 and len(seen[CAR]) == 1, seen
    assert not seen[PERSON] & seen[CAR]


def _owners(preset, car_label):
    """A person walks right for 10 frames, then is hidden; from frame 10 a
    car appears where the person was and drives on. Returns, per output
    identity, which objects it was put on ('P', 'C')."""
    tracker = MODELS.build(dict(type='JDETracker', preset=preset,
                                output_bboxes='detection'))
    emb = np.ones((1, 16), np.float32) / 4.0
    owners = {}
    for f in range(30):
        if f < 10:
            x, label, who = 100. + 2. * f, PERSON, 'P'
            box = [x, 100., x + 40., 200.]
        else:
            x, label, who = 100. + 2. * f + 3. * (f - 10), car_label, 'C'
            box = [x, 102., x + 44., 200.]
        res = tracker.track(_frame(f, [box], [label], emb))
        for ident in res.instances_id.tolist():
            owners.setdefault(ident, set()).add(who)
    return owners


@pytest.mark.parametrize('preset', ['adaptive', 'robust', 'fairmot'])
def test_car_never_takes_a_hidden_persons_identity(preset):
    # the control: were the car a person, it would continue the hidden
    # person's track (same place, same look), so the case is sensitive
    assert {'P', 'C'} in _owners(preset, PERSON).values()
    # as a car it starts its own track
    owners = _owners(preset, CAR)
    assert sorted(map(sorted, owners.values())) == [['C'], ['P']]


def _car_labels(preset, **kwargs):
    """The hidden-person case of :func:`_owners` with a car: the output
    labels per identity."""
    tracker = MODELS.build(dict(type='JDETracker', preset=preset,
                                output_bboxes='detection', **kwargs))
    emb = np.ones((1, 16), np.float32) / 4.0
    labels = {}
    for f in range(30):
        x = 100. + 2. * f + 3. * max(f - 10, 0)
        label = PERSON if f < 10 else CAR
        res = tracker.track(_frame(f, [[x, 100., x + 40., 200.]], [label],
                                   emb))
        for ident, lab in zip(res.instances_id.tolist(),
                              res.labels.tolist()):
            labels.setdefault(ident, []).append(lab)
    return tracker, labels


@pytest.mark.parametrize('preset', ['adaptive', 'robust', 'fairmot'])
def test_per_class_switch(preset):
    # on by default: the car starts an identity of its own
    tracker, labels = _car_labels(preset)
    assert tracker.per_class is True
    assert sorted(set(v) for v in labels.values()) == [{PERSON}, {CAR}]
    # off: association across labels; the person's track goes on with
    # the car and takes the label of its latest detection
    tracker, labels = _car_labels(preset, per_class=False)
    assert tracker.per_class is False
    (seq, ) = labels.values()
    assert seq[0] == PERSON and seq[-1] == CAR and set(seq) == {PERSON, CAR}
