#!/usr/bin/env python3
"""evregister.py GROUP: try cgroup.event_control registrations of every
shape on GROUP (and one with a target of GROUP's parent) and print, one
line each, the case and what the write gave (OK or the errno's name).
Run on a kernel group and a memcgfs group, the outputs must be equal."""
import errno
import os
import sys

g = sys.argv[1]
efd = os.eventfd(0)
u = os.open(g + "/memory.usage_in_bytes", os.O_RDONLY)
ms = os.open(g + "/memory.memsw.usage_in_bytes", os.O_RDONLY)
oc = os.open(g + "/memory.oom_control", os.O_RDONLY)
pl = os.open(g + "/memory.pressure_level", os.O_RDONLY)
st = os.open(g + "/memory.stat", os.O_RDONLY)
lim = os.open(g + "/memory.limit_in_bytes", os.O_RDONLY)
other = os.open(g + "/../memory.usage_in_bytes", os.O_RDONLY)
pipe_r, _ = os.pipe()
closed = 1000


def reg(s):
    try:
        fd = os.open(g + "/cgroup.event_control", os.O_WRONLY)
        try:
            os.write(fd, s.encode())
        finally:
            os.close(fd)
        return "OK"
    except OSError as e:
        return errno.errorcode[e.errno]


cases = [
    ("threshold", "%d %d 1M" % (efd, u)),
    ("newline", "%d %d 1M\n" % (efd, u)),
    ("NUL", "%d %d 1M\0junk" % (efd, u)),
    ("memsw", "%d %d 4096" % (efd, ms)),
    ("unlimited", "%d %d -1" % (efd, u)),
    ("no args", "%d %d" % (efd, u)),
    ("empty args", "%d %d " % (efd, u)),
    ("zero", "%d %d 0" % (efd, u)),
    ("bad args", "%d %d abc" % (efd, u)),
    ("two args", "%d %d 1M 2M" % (efd, u)),
    ("oom", "%d %d" % (efd, oc)),
    ("oom args", "%d %d whatever" % (efd, oc)),
    ("pressure low", "%d %d low" % (efd, pl)),
    ("pressure medium,local", "%d %d medium,local" % (efd, pl)),
    ("pressure critical,hierarchy", "%d %d critical,hierarchy" % (efd, pl)),
    ("pressure low,default,extra", "%d %d low,default,extra" % (efd, pl)),
    ("pressure no level", "%d %d" % (efd, pl)),
    ("pressure bad level", "%d %d high" % (efd, pl)),
    ("pressure bad mode", "%d %d low,everywhere" % (efd, pl)),
    ("pressure empty mode", "%d %d low," % (efd, pl)),
    ("pressure upper case", "%d %d LOW" % (efd, pl)),
    ("pressure past 19 bytes", "%d %d critical,hierarchy,local" % (efd, pl)),
    ("pressure cut at 19", "%d %d medium,hierarchyxxxx" % (efd, pl)),
    ("memory.stat", "%d %d 1M" % (efd, st)),
    ("limit", "%d %d 1M" % (efd, lim)),
    ("parent's file", "%d %d 1M" % (efd, other)),
    ("eventfd closed", "%d %d 1M" % (closed, u)),
    ("target closed", "%d %d 1M" % (efd, closed + 1)),
    ("not an eventfd", "%d %d 1M" % (pipe_r, u)),
    ("target a pipe", "%d %d 1M" % (efd, pipe_r)),
    ("one number", "%d" % efd),
    ("letters", "a b c"),
    ("leading blank", " %d %d 1M" % (efd, u)),
    ("two blanks", "%d  %d 1M" % (efd, u)),
    ("tab", "%d\t%d 1M" % (efd, u)),
    ("negative", "-1 %d 1M" % u),
    ("hex", "0x%x %d 1M" % (efd, u)),
    ("junk after target", "%d %dx 1M" % (efd, u)),
]
for name, s in cases:
    print("%s: %s" % (name, reg(s)))
