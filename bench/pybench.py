#!/usr/bin/env python3
"""Python-level benchmark: our `swiftclient.Connection` (crates/swiftclient-py) against
python-swiftclient 4.11's, in one run, interleaved, each step in a fresh process.

Steps: 500 small objects (4 KiB) up and down, one 512 MiB object up (from a file) and down
(with resp_chunk_size, into a file). Client CPU is user+sys of the process during the step
(all its threads: our runtime's workers count), wall is the step's elapsed time; the
connection authenticates before the clock starts. The large steps also run ours with
`checksum=False`, to show what the one MD5 pass costs (python-swiftclient never hashes).

Run through `scripts/bench --python` (a cluster of its own, our wheel in a venv of its own);
`--worker` is the mode each measured process runs in.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu():
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def worker(args):
    import swiftclient
    kw = {}
    if args.no_checksum:
        kw['checksum'] = False
    conn = swiftclient.Connection(args.auth, args.user, args.key, **kw)
    conn.head_account()
    c = args.container
    step = args.step
    if step == 'small_up':
        blobs = [os.urandom(4096) for _ in range(args.small_count)]
    t0, c0 = time.monotonic(), cpu()
    if step == 'small_up':
        for i, data in enumerate(blobs):
            conn.put_object(c, 'small/%04d' % i, data)
    elif step == 'small_down':
        for i in range(args.small_count):
            _, body = conn.get_object(c, 'small/%04d' % i)
            assert len(body) == 4096
    elif step == 'large_up':
        size = os.path.getsize(args.large_file)
        with open(args.large_file, 'rb') as f:
            conn.put_object(c, 'large', f, content_length=size, chunk_size=65536)
    elif step == 'large_down':
        n = 0
        _, body = conn.get_object(c, 'large', resp_chunk_size=65536)
        with open(args.out_file, 'wb') as out:
            for chunk in body:
                out.write(chunk)
                n += len(chunk)
        assert n == os.path.getsize(args.large_file), n
    wall, used = time.monotonic() - t0, cpu() - c0
    print(json.dumps({'wall': wall, 'cpu': used, 'swiftclient': swiftclient.__file__}))


STEPS = ['small_up', 'small_down', 'large_up', 'large_down']


def run_one(python, step, args, container, large_file, out_file, no_checksum=False):
    cmd = [python, os.path.abspath(__file__), '--worker', '--step', step,
           '--auth', args.auth, '--user', args.user, '--key', args.key,
           '--container', container, '--small-count', str(args.small_count),
           '--large-file', large_file, '--out-file', out_file]
    if no_checksum:
        cmd.append('--no-checksum')
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--step')
    p.add_argument('--no-checksum', action='store_true')
    p.add_argument('--container')
    p.add_argument('--large-file')
    p.add_argument('--out-file')
    p.add_argument('--auth', default=os.environ.get('ST_AUTH'))
    p.add_argument('--user', default=os.environ.get('ST_USER'))
    p.add_argument('--key', default=os.environ.get('ST_KEY'))
    p.add_argument('--ours-python', help="python of a venv with our wheel")
    p.add_argument('--ref-python', help="python of a venv with python-swiftclient 4.11")
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--small-count', type=int, default=500)
    p.add_argument('--large-mib', type=int, default=512)
    p.add_argument('--quick', action='store_true', help='50 small objects, 32 MiB, 1 rep')
    p.add_argument('--json', default=os.path.join(HERE, 'py-results.json'))
    args = p.parse_args()
    if args.worker:
        return worker(args)
    if args.quick:
        args.small_count, args.large_mib, args.reps = 50, 32, 1
    tmp = tempfile.mkdtemp(prefix='pybench-')
    large_file = os.path.join(tmp, 'large.bin')
    with open(large_file, 'wb') as f:
        for _ in range(args.large_mib):
            f.write(os.urandom(1 << 20))
    impls = [('ours', args.ours_python, False), ('python', args.ref_python, False)]
    results = {}
    try:
        for rep in range(args.reps):
            order = impls[rep % 2:] + impls[:rep % 2]
            for name, python, _ in order:
                container = 'pybench-%s-%s' % (name, uuid.uuid4().hex[:8])
                _make_container(python, args, container)
                for step in STEPS:
                    out_file = os.path.join(tmp, 'out-%s' % name)
                    r = run_one(python, step, args, container, large_file, out_file)
                    results.setdefault((name, step), []).append(r)
                    if name == 'ours' and step.startswith('large'):
                        r = run_one(python, step, args, container, large_file, out_file,
                                    no_checksum=True)
                        results.setdefault(('ours-nomd5', step), []).append(r)
                    if os.path.exists(out_file):
                        os.unlink(out_file)
                _drop_container(python, args, container)
    finally:
        os.unlink(large_file)
        os.rmdir(tmp)
    report(args, results)


def _admin(python, args, code):
    script = ('import sys, swiftclient\n'
              'c = swiftclient.Connection(sys.argv[1], sys.argv[2], sys.argv[3])\n' + code)
    subprocess.run([python, '-c', script, args.auth, args.user, args.key, *args.extra],
                   check=True)


def _make_container(python, args, container):
    args.extra = [container]
    _admin(python, args, 'c.put_container(sys.argv[4])\n')


def _drop_container(python, args, container):
    args.extra = [container]
    _admin(python, args, 'for o in c.get_container(sys.argv[4], full_listing=True)[1]:\n'
                         '    c.delete_object(sys.argv[4], o["name"])\n'
                         'c.delete_container(sys.argv[4])\n')


def report(args, results):
    def med(name, step, key):
        vals = [r[key] for r in results.get((name, step), [])]
        return statistics.median(vals) if vals else None

    rows, out = [], {'small_count': args.small_count, 'large_mib': args.large_mib,
                     'reps': args.reps, 'steps': {}}
    targets = {'small_up': 0.5, 'small_down': 0.5, 'large_up': 1.0, 'large_down': 1.0}
    print('\n| step | ours wall / CPU | python wall / CPU | ours/python wall, CPU '
          '| target CPU | ours without MD5 wall / CPU, ratios |')
    print('|---|---|---|---|---|---|')
    for step in STEPS:
        ow, oc = med('ours', step, 'wall'), med('ours', step, 'cpu')
        pw, pc = med('python', step, 'wall'), med('python', step, 'cpu')
        nw, nc = med('ours-nomd5', step, 'wall'), med('ours-nomd5', step, 'cpu')
        rw, rc = ow / pw, oc / pc if pc else float('inf')
        extra = '–'
        if nw is not None:
            extra = '%.2f s / %.2f s, %.2f, %.2f' % (nw, nc, nw / pw, nc / pc)
        met = 'met' if rc <= targets[step] and rw <= 1.0 else 'not met'
        print('| %s | %.2f s / %.2f s | %.2f s / %.2f s | %.2f, %.2f | <= %.1f: %s | %s |'
              % (step, ow, oc, pw, pc, rw, rc, targets[step], met, extra))
        out['steps'][step] = {'ours': {'wall': ow, 'cpu': oc}, 'python': {'wall': pw, 'cpu': pc},
                              'ours_without_md5': None if nw is None else
                              {'wall': nw, 'cpu': nc},
                              'ratio_wall': rw, 'ratio_cpu': rc, 'target_cpu': targets[step]}
        rows.append(step)
    with open(args.json, 'w') as f:
        json.dump(out, f, indent=2)
    print('\n(medians of %d; written to %s)' % (args.reps, args.json))


if __name__ == '__main__':
    main()
