"""The tracking demo end to end, with a tiny random-init OneShotMOT."""
import hashlib
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from _tool_loader import load_tool
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmtl.apis import (
    CaptureSource,
    MOTTxtWriter,
    VideoSink,
    open_frame_source,
    track_video,
)
from mmmtl.datasets import generate_sequence
from mmmtl.testing import (
    DroppingCapture,
    random_init_model,
    save_checkpoint,
    tiny_mot_cfg,
)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
W, H, T, FPS = 128, 80, 6, 12.0


def _load_tool():
    return load_tool('demo', 'mot_demo.py')


def _one_line_error(capsys, *needles):
    """stderr is one line ``error: ...`` holding ``needles``, no
    traceback."""
    err = capsys.readouterr().err
    assert 'Traceback' not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    line = lines[0]
    for needle in needles:
        assert needle in line, (needle, err)
    return line


def demo_cfg() -> dict:
    cfg = tiny_mot_cfg(
        'CEHead', scale=(96, 64), obj_score_thr=0.0, init_track_thr=0.0,
        lost_birth_score_thr=0.0)
    # Random weights score about 0.01 everywhere: keep a few boxes anyway.
    cfg['model']['detector']['test_cfg'].update(score_thr=0.0, max_per_img=4)
    cfg['visualizer'] = dict(type='TrackLocalVisualizer', name='visualizer')
    return cfg


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """Config, random-init checkpoint and a short synthetic clip."""
    root = tmp_path_factory.mktemp('demo')
    cfg = Config(demo_cfg())
    config = str(root / 'tiny_oneshot_mot.py')
    cfg.dump(config)
    init_default_scope('mmdet')
    checkpoint = save_checkpoint(random_init_model(cfg),
                                 str(root / 'tiny.pth'))
    frames, _ = generate_sequence(T, (W, H), seed=4, num_targets=4)
    video = str(root / 'clip.mp4')
    with VideoSink(video, FPS, (W, H)) as sink:
        for f in frames:
            sink.write(f)
    return dict(
        root=root, config=config, checkpoint=checkpoint, video=video,
        frames=frames)


def _parse_txt(path):
    rows = [line.split(',') for line in open(path).read().splitlines()]
    assert rows and all(len(r) == 10 for r in rows)
    return np.array([[float(v) for v in r] for r in rows])


def test_demo_writes_video_and_txt_like_the_input(assets):
    out = str(assets['root'] / 'out' / 'tracked.mp4')
    txt = str(assets['root'] / 'out' / 'tracked.txt')
    tool = _load_tool()
    assert tool.main([
        assets['video'], assets['config'], '--checkpoint',
        assets['checkpoint'], '--out', out, '--out-txt', txt,
        '--score-thr', '0', '--tail', '5', '--show-fps', '--no-progress'
    ]) == 0
    with open_frame_source(out) as src:
        assert (src.width, src.height, src.fps) == (W, H, FPS)
        drawn = list(src)
    assert len(drawn) == T
    rows = _parse_txt(txt)
    assert set(rows[:, 0].astype(int)) <= set(range(1, T + 1))
    assert rows[:, 0].min() == 1
    assert (rows[:, 1] == rows[:, 1].astype(int)).all()
    assert np.isfinite(rows[:, 2:7]).all()
    assert (rows[:, 4:6] > 0).all() and (rows[:, 7:] == -1).all()
    # Boxes are in the input's coordinates (the network saw 96x60).
    assert rows[:, 2].max() + rows[:, 4].max() > 96 or \
        rows[:, 3].max() + rows[:, 5].max() > 60
    # Annotations were drawn on top of the input frames.
    with open_frame_source(assets['video']) as src:
        plain = list(src)
    assert np.abs(drawn[-1].astype(float) - plain[-1]).mean() > 1


def test_demo_on_a_folder_of_frames(assets):
    folder = assets['root'] / 'img1'
    folder.mkdir()
    for i, f in enumerate(assets['frames'][:3]):
        cv2.imwrite(str(folder / f'{i + 1:06d}.png'), f)
    txt = str(assets['root'] / 'folder.txt')
    tool = _load_tool()
    tool.main([
        str(folder), assets['config'], '--checkpoint', assets['checkpoint'],
        '--out-txt', txt, '--score-thr', '0', '--no-progress'
    ])
    assert _parse_txt(txt)[:, 0].max() == 3


def test_demo_names_a_missing_input(assets):
    tool = _load_tool()
    with pytest.raises(FileNotFoundError, match='nothere.mp4'):
        tool.main([
            'nothere.mp4', assets['config'], '--random-weights', '--out',
            str(assets['root'] / 'x.mp4')
        ])


def test_tracking_a_stream_that_drops(assets):
    from mmdet.apis import init_track_model
    init_default_scope('mmdet')
    model = init_track_model(
        assets['config'], assets['checkpoint'], device='cpu')
    src = CaptureSource(
        0, capture=DroppingCapture(assets['frames'], 4, fps=FPS))
    video = str(assets['root'] / 'stream.mp4')
    txt = str(assets['root'] / 'stream.txt')
    with src, VideoSink(video, src.fps, (W, H)) as sink, \
            MOTTxtWriter(txt) as writer:
        with pytest.warns(UserWarning, match='stopped delivering'):
            stats = track_video(
                model, src, sink, writer, score_thr=0.0, progress=False)
    assert stats.num_frames == 4
    with open_frame_source(video) as check:
        assert check.num_frames == 4
    assert _parse_txt(txt)[:, 0].max() == 4


def _sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


@pytest.mark.parametrize('which', ['out', 'out-txt', 'symlink'])
def test_demo_refuses_to_overwrite_its_input(assets, tmp_path, capsys,
                                             which):
    video = str(tmp_path / 'in.mp4')
    shutil.copy(assets['video'], video)
    before = _sha(video)
    out = video
    if which == 'symlink':
        out = str(tmp_path / 'link.mp4')
        os.symlink(video, out)
    flag = '--out-txt' if which == 'out-txt' else '--out'
    tool = _load_tool()
    assert tool.main([
        video, assets['config'], '--checkpoint', assets['checkpoint'], flag,
        out, '--no-progress'
    ]) == 2
    assert 'would overwrite the input' in capsys.readouterr().err
    assert _sha(video) == before


def test_demo_refuses_a_frame_of_its_folder_as_output(assets, tmp_path):
    folder = tmp_path / 'img1'
    folder.mkdir()
    for i, f in enumerate(assets['frames'][:2]):
        cv2.imwrite(str(folder / f'{i + 1:06d}.png'), f)
    before = _sha(folder / '000001.png')
    tool = _load_tool()
    assert tool.main([
        str(folder), assets['config'], '--checkpoint', assets['checkpoint'],
        '--out-txt', str(folder / '000001.png'), '--no-progress'
    ]) == 2
    assert _sha(folder / '000001.png') == before


def test_interrupted_demo_keeps_what_it_wrote_under_a_partial_name(
        assets, tmp_path, capsys):
    folder = tmp_path / 'img1'
    folder.mkdir()
    for i, f in enumerate(assets['frames'][:4]):
        cv2.imwrite(str(folder / f'{i + 1:06d}.png'), f)
    (folder / '000004.png').write_bytes(b'not an image')
    out, txt = str(tmp_path / 'o.mp4'), str(tmp_path / 'o.txt')
    tool = _load_tool()
    with pytest.warns(UserWarning, match='interrupted'):
        assert tool.main([
            str(folder), assets['config'], '--checkpoint',
            assets['checkpoint'], '--out', out, '--out-txt', txt,
            '--score-thr', '0', '--no-progress'
        ]) == 1
    _one_line_error(capsys, '000004.png', str(tmp_path / 'o.partial.txt'))
    assert not osp.exists(out) and not osp.exists(txt)
    assert _parse_txt(str(tmp_path / 'o.partial.txt'))[:, 0].max() == 3
    with open_frame_source(str(tmp_path / 'o.partial.mp4')) as src:
        assert src.num_frames == 3


def test_demo_needs_a_checkpoint_that_fits(assets, tmp_path, capsys):
    tool = _load_tool()
    out = str(tmp_path / 'o.txt')
    with pytest.raises(SystemExit):
        tool.main([assets['video'], assets['config'], '--out-txt', out])
    assert '--random-weights' in capsys.readouterr().err
    state = torch.load(assets['checkpoint'], weights_only=True)
    sd = state['state_dict']
    # another architecture: its head is named and shaped otherwise
    other = {k.replace('bbox_head', 'roi_head'): v for k, v in sd.items()}
    bad = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=other), bad)
    assert tool.main([assets['video'], assets['config'], '--checkpoint',
                      bad, '--out-txt', out, '--no-progress']) == 1
    _one_line_error(capsys, bad, 'bbox_head', 'roi_head')
    assert not osp.exists(out)
    # --allow-partial loads what fits (all but one weight)
    part = dict(sd)
    dropped = sorted(part)[-1]
    part.pop(dropped)
    partial = str(tmp_path / 'partial.pth')
    torch.save(dict(state_dict=part), partial)
    assert tool.main([assets['video'], assets['config'], '--checkpoint',
                      partial, '--out-txt', out, '--no-progress']) == 1
    _one_line_error(capsys, dropped)
    assert tool.main([assets['video'], assets['config'], '--checkpoint',
                      partial, '--allow-partial', '--out-txt', out,
                      '--no-progress']) == 0
    assert osp.isfile(out)


def test_demo_refuses_a_url_checkpoint_that_runs_code(
        assets, tmp_path, http_root, evil_checkpoint):
    from mmmtl.utils.checkpoint import UnsafeCheckpointError
    folder, base = http_root
    marker = tmp_path / 'pwned'
    sd = torch.load(assets['checkpoint'], weights_only=True)['state_dict']
    evil_checkpoint(folder / 'evil.pth', marker, state_dict=sd)
    tool = _load_tool()
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        tool.main([assets['video'], assets['config'], '--checkpoint',
                   f'{base}/evil.pth', '--out-txt',
                   str(tmp_path / 'o.txt'), '--no-progress'])
    assert not marker.exists()


@pytest.mark.parametrize('args', [['--fps', '0'], ['--fps', '-5'],
                                  ['--score-thr', '2'],
                                  ['--score-thr', '-0.1']])
def test_demo_rejects_bad_values_before_loading(assets, tmp_path, capsys,
                                                args):
    tool = _load_tool()
    with pytest.raises(SystemExit):
        tool.main([assets['video'], 'no_such_config.py', '--random-weights',
                   '--out-txt', str(tmp_path / 'o.txt')] + args)
    assert args[0] in capsys.readouterr().err


def test_demo_reports_the_size_it_wrote(assets, tmp_path, capsys):
    # frames of odd size, which the mp4 writer rounds down
    folder = tmp_path / 'odd'
    folder.mkdir()
    for i, f in enumerate(assets['frames'][:3]):
        cv2.imwrite(str(folder / f'{i:06d}.png'),
                    cv2.resize(f, (W + 1, H + 1)))
    out = str(tmp_path / 'o.mp4')
    tool = _load_tool()
    assert tool.main([str(folder), assets['config'], '--checkpoint',
                      assets['checkpoint'], '--out', out,
                      '--no-progress']) == 0
    with open_frame_source(out) as src:
        written = (src.width, src.height)
    assert written != (W + 1, H + 1)
    printed = capsys.readouterr().out
    assert f'({written[0]}x{written[1]} at' in printed
    assert f'{W + 1}x{H + 1} at' not in printed


def _nan_checkpoint(assets, tmp_path, part):
    """The tiny checkpoint with NaN in the first weight whose name holds
    ``part``."""
    state = torch.load(assets['checkpoint'], weights_only=True)
    sd = dict(state['state_dict'])
    key = next(k for k in sd if part in k and sd[k].is_floating_point())
    sd[key] = sd[key].clone()
    sd[key].view(-1)[0] = float('nan')
    path = str(tmp_path / f'nan_{part.replace(".", "_")}.pth')
    torch.save(dict(state_dict=sd, meta=state['meta']), path)
    return path, key


def test_nan_weights_are_refused_naming_the_tensor(assets, tmp_path,
                                                   capsys):
    ckpt, key = _nan_checkpoint(assets, tmp_path, 'reid')
    out = str(tmp_path / 'o.txt')
    assert _load_tool().main([assets['video'], assets['config'],
                              '--checkpoint', ckpt, '--out-txt', out,
                              '--no-progress']) == 1
    _one_line_error(capsys, key)
    assert not osp.exists(out)


@pytest.mark.parametrize('part, output', [('reid', 'embeddings'),
                                          ('retina_cls', 'scores')])
def test_nan_outputs_stop_the_demo_naming_output_and_frame(
        assets, tmp_path, capsys, part, output):
    """NaN in the Re-ID layer used to turn every track into a new
    identity, NaN scores into an empty result file, both with exit 0."""
    ckpt, _ = _nan_checkpoint(assets, tmp_path, part)
    out = str(tmp_path / 'o.txt')
    with pytest.warns(UserWarning, match='non-finite'):
        assert _load_tool().main([
            assets['video'], assets['config'], '--checkpoint', ckpt,
            '--allow-nonfinite', '--out-txt', out, '--no-progress'
        ]) == 1
    _one_line_error(capsys, f'non-finite {output}',
                    f'frame 1 of {assets["video"]}',
                    str(tmp_path / 'o.partial.txt'))
    assert not osp.exists(out)  # no result file that looks complete
    assert osp.exists(str(tmp_path / 'o.partial.txt'))


def test_frame_rate_0_in_seqinfo_is_refused_naming_the_file(
        assets, tmp_path, capsys):
    from mmmtl.apis import VideoSourceError
    seq = tmp_path / 'SEQ'
    (seq / 'img1').mkdir(parents=True)
    for i, f in enumerate(assets['frames'][:2]):
        cv2.imwrite(str(seq / 'img1' / f'{i + 1:06d}.jpg'), f)
    (seq / 'seqinfo.ini').write_text(
        '[Sequence]\nname=SEQ\nimDir=img1\nframeRate=0\nseqLength=2\n'
        f'imWidth={W}\nimHeight={H}\nimExt=.jpg\n')
    assert _load_tool().main([str(seq), 'no_such_config.py',
                              '--random-weights', '--out-txt',
                              str(tmp_path / 'o.txt')]) == 1
    _one_line_error(capsys, 'SEQ/seqinfo.ini: frameRate=0')
    # the frame folder reads its parent's seqinfo.ini: refused too
    with pytest.raises(VideoSourceError, match='frameRate=0'):
        open_frame_source(str(seq / 'img1'))
    # an explicit rate replaces it
    with open_frame_source(str(seq), fps=25) as src:
        assert src.fps == 25


def test_an_unwritable_output_folder_fails_before_the_model_loads(
        assets, tmp_path, capsys):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    tool = _load_tool()
    # a config that does not exist: the model would fail to load
    rc = tool.main([assets['video'], 'no_such_config.py',
                    '--random-weights', '--out',
                    str(blocker / 'sub' / 'o.mp4'), '--no-progress'])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith('error: cannot write') and 'o.mp4' in err
    assert len(err.strip().splitlines()) == 1 and 'Traceback' not in err
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        ro = tmp_path / 'ro'
        ro.mkdir()
        ro.chmod(0o500)
        try:
            assert tool.main([assets['video'], 'no_such_config.py',
                              '--random-weights', '--out',
                              str(ro / 'o.mp4')]) == 2
        finally:
            ro.chmod(0o700)


def test_a_tracker_key_of_the_wrong_type_is_named(assets, tmp_path,
                                                  capsys):
    assert _load_tool().main([
        assets['video'], assets['config'], '--checkpoint',
        assets['checkpoint'], '--out-txt', str(tmp_path / 'o.txt'),
        '--cfg-options', 'model.tracker.obj_score_thr=abc'
    ]) == 1
    line = _one_line_error(capsys, 'model.tracker.obj_score_thr must be '
                           'a number')
    assert line.endswith("got 'abc' of type str")


def test_sigterm_keeps_a_video_readable_to_the_last_frame(assets, tmp_path):
    """SIGTERM (timeout, kill, schedulers) is handled as Ctrl-C: the
    partial video is finalised and OpenCV reads every frame written."""
    import signal
    import subprocess
    import sys
    import time
    clip = str(tmp_path / 'long.mp4')
    with VideoSink(clip, FPS, (W, H)) as sink:
        for _ in range(100):  # 600 frames: longer than the test waits
            for f in assets['frames']:
                sink.write(f)
    out, txt = tmp_path / 'o.mp4', tmp_path / 'o.txt'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    proc = subprocess.Popen([
        sys.executable, osp.join(ROOT, 'tools', 'demo', 'mot_demo.py'),
        clip, assets['config'], '--checkpoint', assets['checkpoint'],
        '--out', str(out), '--out-txt', str(txt), '--score-thr', '0',
        '--no-progress'
    ], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial_txt = tmp_path / 'o.partial.txt'
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            if partial_txt.exists() and len(
                    set(partial_txt.read_text().split('\n'))) > 20:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err[-3000:]
    assert 'terminated by SIGTERM' in err and 'Traceback' not in err
    assert not out.exists() and not txt.exists()
    import re
    counts = {}
    for ext in ('mp4', 'txt'):
        kept = re.search(
            rf'interrupted: (\d+) frames kept in \S+o.partial.{ext}', err)
        assert kept, err[-3000:]
        counts[ext] = int(kept.group(1))
    written = counts['mp4']
    assert 3 < counts['txt'] < 600
    # a frame with no track above the threshold writes no txt row, so the
    # last row's frame is at most the txt writer's frame count
    last = int(_parse_txt(str(partial_txt))[:, 0].max())
    assert last <= counts['txt']
    # each frame's txt rows are written just before its video frame; the
    # signal may land between the two writes or before a count is updated
    assert counts['txt'] - 2 <= written <= counts['txt'] + 1
    cap = cv2.VideoCapture(str(tmp_path / 'o.partial.mp4'))
    read = 0
    while cap.read()[0]:
        read += 1
    cap.release()
    # decodable to the last frame written (within the same race)
    assert written - 1 <= read <= written + 1 and read > 3
