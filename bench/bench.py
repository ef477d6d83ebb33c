#!/usr/bin/env python3
"""Benchmark our `swift` against python-swiftclient 4.11's `swift` and curl, side by side.

Runs every step interleaved (A B C, B C A, ...) on the local cluster, at least 3 repetitions,
and reports medians of wall seconds, client CPU seconds (user+sys of the client process and
its children), peak RSS, and the CPU the cluster's own processes spent on the step, with the
ratios ours/python and ours/curl, as a table and JSON. On a machine with few cores the client and
the cluster share them: (client CPU + server CPU) / cores is a floor for the wall time, reported
beside it, so that a gap to curl can be told apart from a gap the server imposes.

Only loopback traffic: every URL comes from the local test bed's exports.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

MiB = 1024 * 1024


def env(name):
    v = os.environ.get(name)
    if not v:
        sys.exit(f"{name} is not set: run through scripts/bench")
    return v


def tempauth():
    req = urllib.request.Request(env("ST_AUTH"), headers={
        "X-Auth-User": env("ST_USER"), "X-Auth-Key": env("ST_KEY")})
    with urllib.request.urlopen(req) as r:
        return r.headers["X-Storage-Url"], r.headers["X-Auth-Token"]


def server_pids():
    """The local cluster's server processes (their command lines name the test bed's etc)."""
    home = os.environ.get("SWIFT_TESTBED_HOME", "")
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if home and f"{home}/etc".encode() in cmd:
            pids.append(pid)
    return pids


TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def server_cpu():
    """CPU seconds (user+sys) the cluster's processes have used so far."""
    total = 0
    for pid in server_pids():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 (1-based); after the ")" they are 12-15.
        total += sum(int(x) for x in fields[11:15])
    return total / TICK


def run(cmd, cwd=None, shell=False):
    """Runs one client command; returns (wall s, cpu s, peak rss MiB, server cpu s).

    The peak RSS comes from GNU time, which runs the command as its own child: a child forked
    straight from this (much larger) Python process would inherit its RSS high-water mark into
    ru_maxrss, which Linux carries across exec."""
    with tempfile.NamedTemporaryFile("r", prefix="bench-rss-") as rss:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss.name]
        argv += ["/bin/sh", "-c", cmd] if shell else list(cmd)
        s0 = server_cpu()
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        time.sleep(0.2)  # let the servers finish the request's bookkeeping (container updates)
        s1 = server_cpu()
        err = p.stderr.read().decode(errors="replace") if p.stderr else ""
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{cmd if isinstance(cmd, str) else ' '.join(cmd)} exited {code}: {err[-400:]}")
        peak = int(rss.read().strip().splitlines()[-1]) / 1024.0
    return wall, ru.ru_utime + ru.ru_stime, peak, s1 - s0


def curl_base(token):
    return ["curl", "-s", "-f", "-H", f"X-Auth-Token: {token}"]


class Bench:
    def __init__(self, args):
        self.args = args
        self.ours = args.ours
        self.python = os.path.join(env("SWIFT_TESTBED_BIN"), "swift")
        self.url, self.token = tempauth()
        self.work = tempfile.mkdtemp(prefix="swift-bench-")
        self.results = {}  # step -> client -> list of (wall, cpu, rss)
        self.n = 0

    def name(self, tag):
        self.n += 1
        return f"bench-{tag}-{os.getpid()}-{self.n}"

    def curl(self, *args):
        subprocess.run(curl_base(self.token) + list(args), check=True,
                       stdout=subprocess.DEVNULL)

    def put_container(self, c):
        self.curl("-X", "PUT", f"{self.url}/{c}")

    def record(self, step, client, m):
        self.results.setdefault(step, {}).setdefault(client, []).append(m)

    def cli(self, which):
        return self.python if which == "python" else self.ours

    def order(self, rep, clients):
        k = rep % len(clients)
        return clients[k:] + clients[:k]

    # ---- data ---------------------------------------------------------------
    def small_tree(self, count):
        d = os.path.join(self.work, f"small{count}")
        if not os.path.isdir(d):
            os.makedirs(d)
            rnd = random.Random(count)
            for i in range(count):
                with open(os.path.join(d, f"f{i:05d}"), "wb") as f:
                    f.write(rnd.randbytes(4096))
        return d

    def big_file(self, size):
        p = os.path.join(self.work, f"big{size}")
        if not os.path.exists(p):
            block = random.Random(size).randbytes(MiB)
            with open(p, "wb") as f:
                for _ in range(size // MiB):
                    f.write(block)
        return p

    # ---- steps --------------------------------------------------------------
    def small(self, count, reps, label):
        tree = self.small_tree(count)
        files = sorted(os.listdir(tree))
        listfile = os.path.join(self.work, f"list{count}")
        with open(listfile, "w") as f:
            f.write("\n".join(files) + "\n")
        for rep in range(reps):
            for client in self.order(rep, ["ours", "python", "curl"]):
                c = self.name("small")
                if client == "curl":
                    self.put_container(c)
                    up = (f"xargs -P 10 -I{{}} curl -s -f -o /dev/null -T {{}} "
                          f"-H 'X-Auth-Token: {self.token}' '{self.url}/{c}/{{}}' < {listfile}")
                    self.record(f"{label} upload", client, run(up, cwd=tree, shell=True))
                    out = tempfile.mkdtemp(dir=self.work)
                    down = (f"xargs -P 10 -I{{}} curl -s -f -o {{}} "
                            f"-H 'X-Auth-Token: {self.token}' '{self.url}/{c}/{{}}' < {listfile}")
                    self.record(f"{label} download", client, run(down, cwd=out, shell=True))
                else:
                    exe = self.cli(client)
                    self.record(f"{label} upload", client, run(
                        [exe, "upload", "--object-threads", "10", c, "."], cwd=tree))
                    out = tempfile.mkdtemp(dir=self.work)
                    self.record(f"{label} download", client, run(
                        [exe, "download", "--object-threads", "10", c], cwd=out))
                self.check_tree(tree, out)
                shutil.rmtree(out)

    def check_tree(self, tree, out):
        for name in os.listdir(tree):
            with open(os.path.join(tree, name), "rb") as a:
                want = a.read()
            got_path = os.path.join(out, name)
            if not os.path.exists(got_path):
                got_path = os.path.join(out, ".", name)
            with open(got_path, "rb") as b:
                if b.read() != want:
                    raise RuntimeError(f"downloaded {name} differs")

    def large(self, size, reps, segmented):
        path = self.big_file(size)
        label = "segmented" if segmented else "large"
        # "ours-nocheck" is ours with --ignore-checksum: the same transfer without the MD5,
        # to show what the one MD5 pass costs on this machine.
        clients = ["ours", "python"] + (["curl"] if not segmented else []) + ["ours-nocheck"]
        want = md5_file(path)
        for rep in range(reps):
            for client in self.order(rep, clients):
                c = self.name(label)
                out = os.path.join(self.work, "out.bin")
                if client == "curl":
                    self.put_container(c)
                    self.record(f"{label} upload", client, run(
                        curl_base(self.token) + ["-o", "/dev/null", "-T", path, f"{self.url}/{c}/obj"]))
                    self.record(f"{label} download", "curl", run(
                        curl_base(self.token) + ["-o", out, f"{self.url}/{c}/obj"]))
                else:
                    exe = self.cli(client)
                    nocheck = ["--ignore-checksum"] if client == "ours-nocheck" else []
                    up = [exe, "upload", *nocheck, "--object-name", "obj", c, path]
                    if segmented:
                        up[2:2] = ["--use-slo", "-S", str(64 * MiB), "--segment-threads", "8"]
                    self.record(f"{label} upload", client, run(up))
                    self.record(f"{label} download", client, run(
                        [exe, "download", *nocheck, c, "obj", "-o", out]))
                if md5_file(out) != want:
                    raise RuntimeError(f"{client} {label} download differs")
                os.remove(out)
            if segmented:
                # curl floor for the segmented download: GET of the manifest streams all
                c = self.name("segcurl")
                run([self.ours if os.path.exists(self.ours) else self.python, "upload",
                     "--use-slo", "-S", str(64 * MiB), "--object-name", "obj", c, path])
                out = os.path.join(self.work, "out.bin")
                self.record("segmented download", "curl", run(
                    curl_base(self.token) + ["-o", out, f"{self.url}/{c}/obj"]))
                os.remove(out)

    def filled(self, count, tag):
        """A new container of `count` empty objects `o0000000`..., through extract-archive."""
        c = self.name(f"{tag}{count}")
        self.put_container(c)
        tarpath = os.path.join(self.work, f"tree{count}.tar")
        if not os.path.exists(tarpath):
            with tarfile.open(tarpath, "w") as t:
                for i in range(count):
                    info = tarfile.TarInfo(f"o{i:07d}")
                    info.size = 0
                    t.addfile(info)
        subprocess.run(curl_base(self.token) + ["-X", "PUT", "-T", tarpath,
                       "-H", "Accept: application/json",
                       f"{self.url}/{c}?extract-archive=tar"], check=True,
                       stdout=subprocess.DEVNULL)
        return c

    def listing(self, count, reps, label):
        c = self.filled(count, "list")
        pages = (count // 10000) + 1
        curl_cmd = " && ".join(
            f"curl -s -f -o /dev/null -H 'X-Auth-Token: {self.token}' "
            f"'{self.url}/{c}?marker=o{p * 10000 - 1:07d}'" if p else
            f"curl -s -f -o /dev/null -H 'X-Auth-Token: {self.token}' '{self.url}/{c}'"
            for p in range(pages))
        for rep in range(reps):
            for client in self.order(rep, ["ours", "python", "curl"]):
                if client == "curl":
                    self.record(f"{label}", client, run(curl_cmd, shell=True))
                    self.record(f"{label} --lh", client, run(curl_cmd, shell=True))
                else:
                    exe = self.cli(client)
                    self.record(f"{label}", client, run([exe, "list", c]))
                    self.record(f"{label} --lh", client, run([exe, "list", "--lh", c]))

    def objectstore(self, size, count, reps):
        """The same operations through SwiftStore (object_store) and straight through
        Connection, by one small release binary (crates/swift-object-store/examples/
        store_bench.rs): put and get of `size` bytes (the file is read into memory before the
        put, by both; the get streams into a file) and a `count`-object listing."""
        exe = self.args.store_bench
        if not exe:
            sys.exit("--store-bench is needed for the objectstore step")
        path = self.big_file(size)
        want = md5_file(path)
        label = f"{size // MiB} MiB"
        lc = self.filled(count, "oslist")
        for client in ("store", "conn"):
            n = subprocess.check_output([exe, client, "list", lc], text=True).strip()
            if n != str(count):
                raise RuntimeError(f"{client} listed {n} objects, not {count}")
        for rep in range(reps):
            for client in self.order(rep, ["store", "conn"]):
                c = self.name("os")
                self.put_container(c)
                self.record(f"object_store put {label}", client,
                            run([exe, client, "put", c, "obj", path]))
                out = os.path.join(self.work, "out.bin")
                self.record(f"object_store get {label}", client,
                            run([exe, client, "get", c, "obj", out]))
                if md5_file(out) != want:
                    raise RuntimeError(f"{client} get differs")
                os.remove(out)
                # Leave no 512 MiB objects behind (the step also runs on shared clusters).
                self.curl("-X", "DELETE", f"{self.url}/{c}/obj")
                self.curl("-X", "DELETE", f"{self.url}/{c}")
                self.record(f"object_store list {count // 1000}k", client,
                            run([exe, client, "list", lc]))
        self.empty(lc, [f"o{i:07d}" for i in range(count)])

    def empty(self, c, names):
        """Deletes `names` from `c` with bulk deletes, then `c`."""
        listfile = os.path.join(self.work, "bulk.txt")
        for i in range(0, len(names), 10000):
            with open(listfile, "w") as f:
                f.write("".join(f"/{c}/{n}\n" for n in names[i:i + 10000]))
            self.curl("-X", "POST", "-H", "Content-Type: text/plain", "--data-binary",
                      f"@{listfile}", f"{self.url}?bulk-delete")
        self.curl("-X", "DELETE", f"{self.url}/{c}")

    # ---- report -------------------------------------------------------------
    def report(self):
        rows = []
        for step, by in self.results.items():
            row = {"step": step}
            for client, ms in by.items():
                row[client] = {
                    "wall": statistics.median(m[0] for m in ms),
                    "cpu": statistics.median(m[1] for m in ms),
                    "rss_mib": statistics.median(m[2] for m in ms),
                    "server_cpu": statistics.median(m[3] for m in ms),
                    "runs": len(ms),
                }
                # On a machine with few cores the client's CPU and the cluster's share them:
                # no run can take less wall time than all that CPU spread over every core.
                row[client]["cpu_bound_wall"] = round(
                    (row[client]["cpu"] + row[client]["server_cpu"]) / CORES, 3)
            o, p, c = row.get("ours"), row.get("python"), row.get("curl")
            if o and p:
                row["ours/python"] = {k: ratio(o[k], p[k]) for k in ("wall", "cpu", "rss_mib")}
            if o and c:
                row["ours/curl"] = {k: ratio(o[k], c[k]) for k in ("wall", "cpu")}
            st, cn = row.get("store"), row.get("conn")
            if st and cn:
                row["store/connection"] = {k: ratio(st[k], cn[k]) for k in ("wall", "cpu", "rss_mib")}
            n = row.get("ours-nocheck")
            if n:
                row["ours-nocheck/python"] = {k: ratio(n[k], p[k]) for k in ("wall", "cpu")} if p else None
                row["ours-nocheck/curl"] = {k: ratio(n[k], c[k]) for k in ("wall", "cpu")} if c else None
            rows.append(row)
        return rows


def ratio(a, b):
    return round(a / b, 3) if b else None


def md5_file(p):
    h = hashlib.md5()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


def fmt(v, unit=""):
    return "-" if v is None else f"{v:.2f}{unit}"


def print_table(rows):
    head = ("step", "ours wall/cpu/rss", "python wall/cpu/rss", "curl wall/cpu",
            "ours/python wall cpu rss", "ours/curl wall cpu",
            "server cpu ours/python/curl", f"cpu-bound wall ({CORES} cores) ours/python/curl",
            "ours without MD5 wall/cpu, wall vs python, vs curl")
    cli_rows = [r for r in rows if "store" not in r]
    store_rows = [r for r in rows if "store" in r]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in cli_rows:
        def cell(c, rss=True):
            m = r.get(c)
            if not m:
                return "-"
            s = f"{fmt(m['wall'], 's')} / {fmt(m['cpu'], 's')}"
            return s + (f" / {fmt(m['rss_mib'], ' MiB')}" if rss else "")

        def each(key):
            return " / ".join(fmt(r[c][key]) if c in r else "-" for c in ("ours", "python", "curl"))
        op = r.get("ours/python", {})
        oc = r.get("ours/curl", {})
        print(f"| {r['step']} | {cell('ours')} | {cell('python')} | {cell('curl', False)} | "
              f"{fmt(op.get('wall'))} {fmt(op.get('cpu'))} {fmt(op.get('rss_mib'))} | "
              f"{fmt(oc.get('wall'))} {fmt(oc.get('cpu'))} | {each('server_cpu')} | "
              f"{each('cpu_bound_wall')} | {nocheck(r)} |")


def print_store_table(rows):
    """SwiftStore (object_store) against the same operations straight through Connection."""
    if not rows:
        return
    print()
    print("| step | SwiftStore wall / CPU / RSS | Connection wall / CPU / RSS | store/connection wall, CPU, RSS | server CPU store / connection |")
    print("|---|---|---|---|---|")
    for r in rows:
        def cell(c):
            m = r[c]
            return f"{fmt(m['wall'], 's')} / {fmt(m['cpu'], 's')} / {fmt(m['rss_mib'], ' MiB')}"
        q = r.get("store/connection", {})
        print(f"| {r['step']} | {cell('store')} | {cell('conn')} | "
              f"{fmt(q.get('wall'))}, {fmt(q.get('cpu'))}, {fmt(q.get('rss_mib'))} | "
              f"{fmt(r['store']['server_cpu'])} / {fmt(r['conn']['server_cpu'])} |")


def nocheck(r):
    n = r.get("ours-nocheck")
    if not n:
        return "-"
    vp = (r.get("ours-nocheck/python") or {}).get("wall")
    vc = (r.get("ours-nocheck/curl") or {}).get("wall")
    return f"{fmt(n['wall'], 's')} / {fmt(n['cpu'], 's')}, {fmt(vp)}, {fmt(vc)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ours", required=True, help="our swift binary")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the harness")
    ap.add_argument("--scale", action="store_true", help="also 200,000-object listing and 5,000 files")
    ap.add_argument("--store-bench", help="crates/swift-object-store's store_bench example (release)")
    ap.add_argument("--steps", default="small,large,segmented,listing,objectstore")
    ap.add_argument("--json", default="bench/results.json")
    args = ap.parse_args()
    if args.reps < 3 and not args.quick:
        sys.exit("at least 3 repetitions")
    b = Bench(args)
    steps = args.steps.split(",")
    big = 16 * MiB if args.quick else 512 * MiB
    try:
        if "small" in steps:
            n = 50 if args.quick else 500
            b.small(n, args.reps, f"small {n}x4KiB")
        if "large" in steps:
            b.large(big, args.reps, segmented=False)
        if "segmented" in steps:
            b.large(big, args.reps, segmented=True)
        if "listing" in steps:
            n = 2000 if args.quick else 20000
            b.listing(n, args.reps, f"listing {n // 1000}k")
        if "objectstore" in steps:
            b.objectstore(big, 2000 if args.quick else 20000, args.reps)
        if args.scale:
            b.small(5000, args.reps, "scale 5000x4KiB")
            b.listing(200000, args.reps, "listing 200k")
    finally:
        shutil.rmtree(b.work, ignore_errors=True)
    rows = b.report()
    print_table(rows)
    print_store_table([r for r in rows if "store" in r and "conn" in r])
    with open(args.json, "w") as f:
        json.dump({"quick": args.quick, "reps": args.reps, "cores": CORES, "rows": rows}, f,
                  indent=2)
    print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main()
