"""DanceTrack and SportsMOT tables, and frame names of 8 digits."""
from mmmtl.formats import (
    BENCHMARK_FRAME_RATES,
    BENCHMARKS,
    DANCETRACK_SEQUENCES,
    DISTRACTOR_CLASSES,
    SPORTSMOT_SEQUENCES,
    frame_file_name,
)


def test_dancetrack_and_sportsmot_tables():
    assert {'DanceTrack', 'SportsMOT'} <= set(BENCHMARKS)
    # one class, no distractors
    assert DISTRACTOR_CLASSES['DanceTrack'] == ()
    assert DISTRACTOR_CLASSES['SportsMOT'] == ()
    # DanceTrack: 40 / 25 / 35 of dancetrack0001..0100, disjoint
    sizes = {k: len(v) for k, v in DANCETRACK_SEQUENCES.items()}
    assert sizes == dict(train=40, val=25, test=35)
    names = [n for v in DANCETRACK_SEQUENCES.values() for n in v]
    assert sorted(names) == [f'dancetrack{i:04d}' for i in range(1, 101)]
    assert 'dancetrack0004' in DANCETRACK_SEQUENCES['val']
    # SportsMOT: 45 + 45 clips, 1280x720 at 25 fps
    assert [len(SPORTSMOT_SEQUENCES[s]) for s in ('train', 'val')] == [45,
                                                                     45]
    seqs = SPORTSMOT_SEQUENCES['train'] + SPORTSMOT_SEQUENCES['val']
    assert {(s.width, s.height, s.frame_rate) for s in seqs} == {
        (1280, 720, 25)}
    first = SPORTSMOT_SEQUENCES['train'][0]
    assert (first.name, first.seq_length) == ('v_-6Os86HzwCs_c001', 825)
    assert BENCHMARK_FRAME_RATES['DanceTrack'] == 20
    assert BENCHMARK_FRAME_RATES['SportsMOT'] == 25


def test_frame_file_name_digits():
    assert frame_file_name(7) == '000007.jpg'
    assert frame_file_name(7, digits=8) == '00000007.jpg'
