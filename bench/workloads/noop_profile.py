# Runs a workload under a no-op sys.setprofile: the floor of what any function-level
# tracer (cProfile-style, VizTracer) costs, before it records anything.
import runpy
import sys
import threading


def _noop(frame, event, arg):
    return None


target = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = __import__('os').path.dirname(__import__('os').path.abspath(target))
threading.setprofile(_noop)
sys.setprofile(_noop)
runpy.run_path(target, run_name='__main__')
