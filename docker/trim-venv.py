"""Trim a freshly installed virtualenv of what only building, testing or type checking reads.

Runs in the builder image after `pip check`; only the virtualenv reaches the runtime image. Removes:
- `tests/` directories inside packages (their own test suites; `testing/` modules are runtime APIs and stay);
- type stubs (`*.pyi`) and the C/C++/Cython sources of compiled extensions (`*.c`, `*.cpp`, `*.pyx`, `*.pxd`,
  `*.pxi`): the interpreter never reads them;
- the symbol tables and debug sections of shared objects (what `strip --strip-debug --strip-unneeded` drops for a
  shared object). The dynamic loader reads program headers only; those and every byte they map stay untouched.
  binutils is not in the base image and installing it would need a package manager and network; so this is done
  here, conservatively: a file whose layout is not the usual one (dropped data ends the file) is left as it is.

Precompiled bytecode (`__pycache__`) stays: the venv is read-only to the Airflow user, so without it every process
would compile Airflow's imports again in memory.

Usage: python3 trim-venv.py VENV   (prints what it removed; exit 1 on a usage error)
"""

import os
import struct
import sys

SOURCE_SUFFIXES = (".pyi", ".c", ".cpp", ".pyx", ".pxd", ".pxi")

SHF_ALLOC = 0x2
SHF_INFO_LINK = 0x40
SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 2, 3, 4, 8, 9
SHN_LORESERVE = 0xFF00


def _layout(data):
    """Struct formats for the file's class and byte order, or None when this is not an ELF file."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        return None
    e = "<" if data[5] == 1 else ">"
    if data[4] == 2:
        return {"hdr": e + "QQ", "hdr_at": 0x20, "counts": e + "HHHHHH", "counts_at": 0x34,
                "sh": e + "IIQQQQIIQQ", "ph": e + "IIQQQQQQ", "ph_off": 2, "ph_size": 5, "align": 8}
    return {"hdr": e + "II", "hdr_at": 0x1C, "counts": e + "HHHHHH", "counts_at": 0x28,
            "sh": e + "IIIIIIIIII", "ph": e + "IIIIIIII", "ph_off": 1, "ph_size": 4, "align": 4}


def strip_elf(data):
    """The file without symbol tables and debug sections, or None when there is nothing to drop safely."""
    lay = _layout(data)
    if lay is None:
        return None
    phoff, shoff = struct.unpack_from(lay["hdr"], data, lay["hdr_at"])
    _ehsize, phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(lay["counts"], data, lay["counts_at"])
    if shnum == 0 or shnum >= SHN_LORESERVE or shstrndx >= shnum or shentsize != struct.calcsize(lay["sh"]):
        return None
    if shoff + shnum * shentsize > len(data):
        return None
    sections = [list(struct.unpack_from(lay["sh"], data, shoff + i * shentsize)) for i in range(shnum)]
    # name, type, flags, addr, offset, size, link, info, addralign, entsize
    names_off = sections[shstrndx][4]

    def name(s):
        start = names_off + s[0]
        return bytes(data[start:data.index(b"\0", start)]).decode("ascii", "replace")

    drop = set()
    for i, s in enumerate(sections):
        if s[2] & SHF_ALLOC or i == shstrndx:
            continue
        n = name(s)
        if s[1] == SHT_SYMTAB or n.startswith(".debug") or n.startswith(".zdebug"):
            drop.add(i)
            if s[1] == SHT_SYMTAB and s[6] not in (0, shstrndx) and not sections[s[6]][2] & SHF_ALLOC:
                drop.add(s[6])
    for i, s in enumerate(sections):
        if s[1] in (SHT_REL, SHT_RELA) and not s[2] & SHF_ALLOC and s[7] in drop:
            drop.add(i)
    if not drop:
        return None
    kept = [i for i in range(shnum) if i not in drop]
    for i in kept:
        s = sections[i]
        if s[6] in drop or ((s[1] in (SHT_REL, SHT_RELA) or s[2] & SHF_INFO_LINK) and s[7] in drop):
            return None
    cut = min(sections[i][4] for i in drop if sections[i][1] != SHT_NOBITS)
    # Everything the loader maps must lie before the cut.
    if phoff + phnum * phentsize > cut:
        return None
    for k in range(phnum):
        ph = struct.unpack_from(lay["ph"], data, phoff + k * phentsize)
        if ph[lay["ph_off"]] + ph[lay["ph_size"]] > cut:
            return None
    tail = []
    for i in kept:
        s = sections[i]
        if s[1] == SHT_NOBITS or s[4] + s[5] <= cut:
            continue
        if s[4] < cut or s[2] & SHF_ALLOC:
            return None
        tail.append(i)

    out = bytearray(data[:cut])
    for i in sorted(tail, key=lambda j: sections[j][4]):
        s = sections[i]
        align = max(1, s[8])
        out += b"\0" * (-len(out) % align)
        old = s[4]
        s[4] = len(out)
        out += data[old:old + s[5]]
    out += b"\0" * (-len(out) % lay["align"])
    new_shoff = len(out)
    index = {old: new for new, old in enumerate(kept)}
    for i in kept:
        s = list(sections[i])
        if s[6]:
            s[6] = index[s[6]]
        if s[7] and (s[1] in (SHT_REL, SHT_RELA) or s[2] & SHF_INFO_LINK):
            s[7] = index[s[7]]
        out += struct.pack(lay["sh"], *s)
    struct.pack_into(lay["hdr"], out, lay["hdr_at"], phoff, new_shoff)
    struct.pack_into(lay["counts"], out, lay["counts_at"], _ehsize, phentsize, phnum, shentsize, len(kept), index[shstrndx])
    return bytes(out)


def _is_shared_object(filename):
    return filename.endswith(".so") or ".so." in filename


def trim(site_packages):
    """Remove and strip under `site_packages`; returns (files removed, bytes freed)."""
    removed, freed = 0, 0
    for root, dirs, files in os.walk(site_packages):
        if root != site_packages and "tests" in dirs:
            dirs.remove("tests")
            victim = os.path.join(root, "tests")
            for r, _d, fs in os.walk(victim, topdown=False):
                for f in fs:
                    p = os.path.join(r, f)
                    freed += os.lstat(p).st_size
                    removed += 1
                    os.unlink(p)
                os.rmdir(r)
        for f in files:
            p = os.path.join(root, f)
            if os.path.islink(p):
                continue
            if f.endswith(SOURCE_SUFFIXES):
                freed += os.lstat(p).st_size
                removed += 1
                os.unlink(p)
            elif _is_shared_object(f):
                with open(p, "rb") as fh:
                    data = fh.read()
                stripped = strip_elf(data)
                if stripped is None:
                    continue
                tmp = p + ".stripped"
                with open(tmp, "wb") as fh:
                    fh.write(stripped)
                os.chmod(tmp, os.stat(p).st_mode & 0o7777)
                os.replace(tmp, p)
                freed += len(data) - len(stripped)
    return removed, freed


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: trim-venv.py VENV", file=sys.stderr)
        return 1
    lib = os.path.join(argv[1], "lib")
    total_removed, total_freed = 0, 0
    for entry in sorted(os.listdir(lib)):
        site_packages = os.path.join(lib, entry, "site-packages")
        if os.path.isdir(site_packages):
            removed, freed = trim(site_packages)
            total_removed += removed
            total_freed += freed
    print("trim-venv: removed %d files, freed %.1f MB" % (total_removed, total_freed / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
