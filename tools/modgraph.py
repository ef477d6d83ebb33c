"""Fails (exit 1) when the modules of a crate import each other in a cycle.

Usage: python3 tools/modgraph.py <crate>/src

Edges are the `crate::` and `super::` paths a module's non-test code names; a parent module
declaring (and re-exporting) its children is the tree itself, not an edge.
"""
import re,os,sys,collections
root=sys.argv[1]
mods={}
for d,_,files in os.walk(root):
    for f in files:
        if not f.endswith('.rs'): continue
        p=os.path.join(d,f); rel=os.path.relpath(p,root)[:-3]
        m=rel.replace('/mod','').replace('/','::')
        if m in('lib','main'): m='crate'
        src=open(p).read()
        # drop test modules
        src=re.split(r'#\[cfg\(test\)\]\s*mod tests', src)[0]
        mods[m]=src
def resolve(path):
    parts=path.split('::')
    best=None
    for k in range(len(parts),0,-1):
        cand='::'.join(parts[:k])
        if cand in mods: return cand
    return None
edges=collections.defaultdict(set)
for m,src in mods.items():
    paths=set(re.findall(r'crate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)', src))
    for grp in re.findall(r'use crate::\{([^;]*)\};', src, re.S):
        for item in re.findall(r'([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)', grp):
            paths.add(item)
    # super:: paths
    for sp in re.findall(r'super::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)', src):
        parent='::'.join(m.split('::')[:-1]) or 'crate'
        full=(parent+'::'+sp) if parent!='crate' else sp
        paths.add(full)
    for pth in paths:
        t=resolve(pth)
        if t and t!=m and t!='crate':
            # ignore edges to own descendants (parent->child declarations)
            if t.startswith(m+'::') : continue
            edges[m].add(t)
# find cycles via SCC (Tarjan)
index={}; low={}; st=[]; on=set(); sccs=[]; c=[0]
sys.setrecursionlimit(10000)
def sc(v):
    index[v]=low[v]=c[0]; c[0]+=1; st.append(v); on.add(v)
    for w in edges.get(v,()):
        if w not in index: sc(w); low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],index[w])
    if low[v]==index[v]:
        comp=[]
        while True:
            w=st.pop(); on.discard(w); comp.append(w)
            if w==v: break
        if len(comp)>1: sccs.append(comp)
for v in list(mods):
    if v not in index: sc(v)
for s in sccs:
    print('CYCLE:', sorted(s))
    for a in sorted(s):
        print('   ',a,'->',sorted(x for x in edges[a] if x in s))
if not sccs: print('no cycles among', len(mods), 'modules')
sys.exit(1 if sccs else 0)
