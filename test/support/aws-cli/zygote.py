"""
The AWS CLI for the script tests, started once per test process instead of once per call.

Debian's AWS CLI v2 (/usr/bin/aws) spends about 0.6 s of CPU importing itself before each command; the backup
and restore tests call it about a hundred times. This process imports it once (as /usr/bin/aws does), then
listens on a Unix socket: for each call of the `aws` beside this file it forks a child that takes that caller's
stdin, stdout, stderr, arguments, environment and directory and runs the same awscli.clidriver.main() that
/usr/bin/aws runs. The CLI's code, its HTTP and its output are the real ones; only the import is shared.

Usage: /usr/bin/python3 zygote.py SOCKET_PATH OWNER_PID: serves until the process OWNER_PID (jest's main process, so
that every test worker shares one zygote) is gone, then removes SOCKET_PATH's directory.
"""
import json
import os
import shutil
import signal
import socket
import struct
import sys

# What /usr/bin/aws does before importing the CLI.
if os.environ.get("LC_CTYPE", "") == "UTF-8":
    os.environ["LC_CTYPE"] = "en_US.UTF-8"
try:
    import awscli  # noqa: E402
    import awscli.clidriver  # noqa: E402
except Exception:
    # The shim stops waiting when it sees this file; the traceback is in zygote.log beside it.
    open(os.path.join(os.path.dirname(sys.argv[1]), "failed"), "w").close()
    raise

import botocore.session  # noqa: E402  (the CLI's own copy, which importing awscli put under this name)

AWSCLI_DATA = awscli._awscli_data_path[-1]

# Sessions share their data loader (one per data path), as clients of one session share it in botocore: the service
# models, endpoint rules and retry settings that the warm-up below parses from the CLI's data files stay parsed in
# every child, instead of each call listing and parsing them again (about a third of a call's CPU). Each child gets
# a copy-on-write copy, so nothing it does reaches the next call.
_loaders = {}
_create_loader = botocore.session.create_loader


def _shared_loader(search_path_string=None):
    if search_path_string not in _loaders:
        _loaders[search_path_string] = _create_loader(search_path_string)
    return _loaders[search_path_string]


botocore.session.create_loader = _shared_loader

# Import what a command imports lazily (plugins, customizations, the s3 commands) and parse what an s3 client reads:
# children start there. Each child still makes its own session and client, so nothing read from this process's
# environment or config carries over (the warm-up client has dummy credentials and is never used).
_warm = awscli.clidriver.create_clidriver()
_warm._get_command_table()
_warm.session.get_service_model("s3")
_warm.session.create_client("s3", region_name="us-east-1", aws_access_key_id="warm-up", aws_secret_access_key="warm-up")
del _warm


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("the caller went away")
        data += chunk
    return data


def run_call(conn):
    """In the forked child: become the caller's `aws` process and run the command."""
    header, fds, _, _ = socket.recv_fds(conn, 4, 3)
    request = json.loads(recv_exact(conn, struct.unpack("!I", header)[0]))
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    # What importing awscli does with the caller's environment (awscli/__init__.py): its data after the caller's.
    paths = os.environ["AWS_DATA_PATH"].split(os.pathsep) if "AWS_DATA_PATH" in os.environ else []
    awscli._awscli_data_path[:] = [os.path.expanduser(os.path.expandvars(p)) for p in paths] + [AWSCLI_DATA]
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(awscli._awscli_data_path)
    sys.argv = ["aws"] + request["args"]
    conn.sendall(struct.pack("!i", os.getpid()))
    rc = 255
    try:
        rc = awscli.clidriver.main()
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            conn.sendall(struct.pack("!i", rc or 0))
        except Exception:
            pass
        os._exit((rc or 0) & 0xFF)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def main():
    path, owner = sys.argv[1], int(sys.argv[2])
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    server.settimeout(1.0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children; callers get their status
    try:
        while alive(owner):
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            if os.fork() == 0:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                try:
                    run_call(conn)
                finally:
                    os._exit(255)  # run_call exits by itself; this only stops a child that failed before it could
            conn.close()
    finally:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


if __name__ == "__main__":
    main()
