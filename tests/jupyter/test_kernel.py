"""The TensorScript Jupyter kernel, tested with Jupyter's own tools (run by tests/jupyter.rs).

Installs the kernelspec of the binary in TSCRIPT_BIN into a temporary prefix (found through
JUPYTER_PATH), then runs jupyter_kernel_test's conformance suite, an interrupt test, malformed
and badly signed messages, shutdown and restart, a kernel whose client died, and nbclient on
examples/lesson.ipynb. Every wait is bounded.

    python tests/jupyter/test_kernel.py            # the tests
    python tests/jupyter/test_kernel.py --write    # also re-runs the lesson into examples/
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TSCRIPT_BIN") or os.path.join(ROOT, "target", "debug", "tscript")
LESSON = os.path.join(ROOT, "examples", "lesson.ipynb")
TIMEOUT = 60

# One temporary Jupyter home for the whole run: the kernelspec, connection files, no user config.
HOME = tempfile.mkdtemp(prefix="tscript-jupyter-")
for name, sub in [("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime")]:
    os.environ[name] = os.path.join(HOME, sub)
os.environ["JUPYTER_PATH"] = os.path.join(HOME, "prefix", "share", "jupyter")
os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
os.environ.setdefault("TSCRIPT_THREADS", "1")
subprocess.run([BIN, "jupyter", "install", "--prefix", os.path.join(HOME, "prefix")], check=True, timeout=TIMEOUT)

import jupyter_kernel_test  # noqa: E402  (after JUPYTER_PATH is set)
import nbclient  # noqa: E402
import nbformat  # noqa: E402
import zmq  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402
from jupyter_client.session import Session  # noqa: E402

jupyter_kernel_test.TIMEOUT = TIMEOUT


class Conformance(jupyter_kernel_test.KernelTests):
    """jupyter_kernel_test's suite: what every kernel must answer."""

    kernel_name = "tscript"
    language_name = "tscript"
    file_extension = ".tsc"

    code_hello_world = 'print("hello, world")'
    code_generate_error = "zeros(2) + zeros(3)"
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "[1.0, 2.0] * 2", "result": "[2.0, 4.0]"},
        {"code": "[[1.0, 2.0]] + 0.5", "mime": "text/html"},
    ]
    code_display_data = [
        {"code": "plot([1.0, 3.0, 2.0])", "mime": "image/svg+xml"},
        {"code": "hist([1.0, 2.0, 2.5, 3.0])", "mime": "image/png"},
    ]
    completion_samples = [
        {"text": "linspa", "matches": {"linspace"}},
        {"text": "let y = chol", "matches": {"cholesky"}},
        {"text": "whi", "matches": {"while"}},
    ]
    complete_code_samples = ["1 + 1", "let x = 2", "fn f(x) = x * 2", "fn g(x) {\n    x + 1\n}", ":info"]
    incomplete_code_samples = ["fn f(x) {", "1 +", "[1, 2,", "let z = (1"]
    invalid_code_samples = ["let = )", "1 + * 2"]
    code_inspect_sample = "zeros"
    code_history_pattern = "6*"
    supported_history_operations = ("tail", "range", "search")

    def test_inspect_a_variable(self):
        self.flush_channels()
        self.execute_helper("let rate = 0.5")
        self.kc.inspect("rate * 2", cursor_pos=2)
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertTrue(reply["content"]["found"])
        self.assertEqual(reply["content"]["data"]["text/plain"], "rate : f64\n")

    def test_error_text_is_the_diagnostic(self):
        self.flush_channels()
        reply, outputs = self.execute_helper("zeros(2) + zeros(3)")
        self.assertEqual(reply["content"]["ename"], "tscript::type::shape")
        text = "\n".join(outputs[0]["content"]["traceback"])
        self.assertIn("shapes f64[2] and f64[3] do not broadcast", text)
        self.assertNotIn("\x1b", text, "no colour codes")

    def test_variables_persist_between_cells(self):
        self.flush_channels()
        self.execute_helper("let kept = 20")
        reply, outputs = self.execute_helper("kept + 1")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "21")

    def test_info_command(self):
        self.flush_channels()
        reply, outputs = self.execute_helper(":info")
        self.assertEqual(reply["content"]["status"], "ok")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertIn("threads", results[0]["content"]["data"]["text/plain"])

    def test_comm_info_is_empty(self):
        msg = self.kc.session.msg("comm_info_request", {})
        self.kc.shell_channel.send(msg)
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["msg_type"], "comm_info_reply")
        self.assertEqual(reply["content"]["comms"], {})


def start(stderr=None):
    """A kernel and a ready client."""
    km = KernelManager(kernel_name="tscript")
    km.start_kernel(stderr=stderr)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    return km, kc


def run(kc, code):
    """Runs a cell; returns the reply and the iopub messages of it."""
    outputs = []
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=outputs.append)
    return reply, outputs


def result(outputs):
    return [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]


def wait_for_stream(kc, text):
    """Waits on iopub until a `stream` message contains `text`."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "stream" and text in msg["content"]["text"]:
            return
    raise AssertionError(f"no output {text!r}")


class Lifecycle(unittest.TestCase):
    """Interrupts, bad messages, shutdown, restart, and a client that dies."""

    def interrupt_a_loop(self, km, kc, interrupt):
        """Runs a cell that counts `n` up forever, and interrupts it once it has counted 1000."""
        msg_id = kc.execute('let start = n\nwhile true {\n    n += 1\n    if n == start + 1000 { print("looping") }\n}')
        wait_for_stream(kc, "looping")
        interrupt()
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "tscript::runtime::interrupted")

    def test_a_cell_that_runs_forever_is_interrupted_and_keeps_its_variables(self):
        km, kc = start()
        try:
            run(kc, "let n = 0")
            # interrupt_mode is "message": jupyter_client sends interrupt_request on control.
            self.interrupt_a_loop(km, kc, km.interrupt_kernel)
            _, outputs = run(kc, "n >= 1000")
            self.assertEqual(result(outputs), ["true"], "n kept what the loop counted")
            # SIGINT, twice: the cell stops, the kernel stays.
            run(kc, "let before = n")
            self.interrupt_a_loop(km, kc, lambda: (km.signal_kernel(signal.SIGINT), km.signal_kernel(signal.SIGINT)))
            _, outputs = run(kc, "n >= before + 1000")
            self.assertEqual(result(outputs), ["true"])
            self.assertTrue(km.is_alive())
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_bad_signatures_and_malformed_messages_are_refused_and_logged(self):
        with tempfile.TemporaryFile(mode="w+") as log:
            km, kc = start(stderr=log)
            try:
                info = km.get_connection_info()
                context = zmq.Context.instance()
                raw = context.socket(zmq.DEALER)
                raw.setsockopt(zmq.LINGER, 0)
                raw.connect(f"tcp://{info['ip']}:{info['shell_port']}")
                wrong = Session(key=b"not the key", signature_scheme="hmac-sha256")
                wrong.send(raw, wrong.msg("kernel_info_request", {}))
                raw.send_multipart([b"junk"])
                raw.send_multipart([b"<IDS|MSG>", b"sig", b"{"])
                unsigned = Session(key=b"", signature_scheme="hmac-sha256")
                unsigned.send(raw, unsigned.msg("kernel_info_request", {}))
                right = Session(key=km.session.key, signature_scheme="hmac-sha256")
                right.send_raw(raw, [b"not json", b"{}", b"{}", b"{}"])
                # Nothing answers them; a good request still gets its answer, on the same socket.
                right.send(raw, right.msg("kernel_info_request", {}))
                self.assertTrue(raw.poll(TIMEOUT * 1000), "the kernel answers a good request")
                _, reply = right.recv(raw)
                self.assertEqual(reply["msg_type"], "kernel_info_reply")
                self.assertEqual(raw.poll(500), 0, "and nothing else")
                raw.close()
                reply, outputs = run(kc, "1 + 1")
                self.assertEqual(result(outputs), ["2"])
                self.assertTrue(km.is_alive())
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
            log.seek(0)
            text = log.read()
            self.assertEqual(text.count("signature does not match"), 2, text)
            self.assertIn("delimiter", text)
            self.assertIn("not a JSON object", text)

    def test_the_heartbeat_echoes(self):
        km, kc = start()
        try:
            info = km.get_connection_info()
            ping = zmq.Context.instance().socket(zmq.REQ)
            ping.setsockopt(zmq.LINGER, 0)
            ping.connect(f"tcp://{info['ip']}:{info['hb_port']}")
            ping.send(b"ping")
            self.assertTrue(ping.poll(TIMEOUT * 1000), "the heartbeat answers")
            self.assertEqual(ping.recv(), b"ping")
            ping.close()
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_restart_and_shutdown_while_a_cell_runs(self):
        km, kc = start()
        try:
            run(kc, "let before_restart = 1")
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=TIMEOUT)
            reply, _ = run(kc, "before_restart")
            self.assertEqual(reply["content"]["status"], "error", "a restart starts a fresh session")
            kc.execute('print("forever")\nwhile true { }')
            wait_for_stream(kc, "forever")
            process = km.provisioner.process
            km.request_shutdown()
            self.assertEqual(process.wait(timeout=TIMEOUT), 0, "the kernel ends by itself")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def test_the_kernel_ends_when_the_process_that_started_it_is_gone(self):
        connection = os.path.join(HOME, "orphan.json")
        km = KernelManager(kernel_name="tscript", connection_file=connection)
        km.write_connection_file()
        # A shell starts the kernel and ends soon after, without stopping it.
        shell = subprocess.run(
            ["sh", "-c", f'"{BIN}" jupyter kernel "{connection}" </dev/null >/dev/null 2>&1 & echo $!; sleep 2'],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        pid = int(shell.stdout.strip())
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        self.fail("the orphaned kernel kept running")


def execute_lesson(path):
    """Runs a notebook through nbclient with the tscript kernel, in the examples folder."""
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, kernel_name="tscript", timeout=300, resources={"metadata": {"path": os.path.join(ROOT, "examples")}}
    )
    client.execute()
    return nb


class Lesson(unittest.TestCase):
    """nbclient runs examples/lesson.ipynb end to end."""

    def test_the_lesson_runs_and_shows_values_plots_and_an_error(self):
        nb = execute_lesson(LESSON)
        outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
        texts = [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"]
        self.assertIn("true", texts, "the check that the weights were recovered")
        svgs = [o["data"]["image/svg+xml"] for o in outputs if o["output_type"] == "display_data"]
        self.assertGreaterEqual(len(svgs), 2)
        self.assertTrue(all(s.lstrip().startswith("<svg") for s in svgs))
        self.assertTrue(any("mean squared error" in s for s in svgs), "the loss curve's label")
        errors = [o for o in outputs if o["output_type"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["ename"], "tscript::type::shape")
        self.assertIn("do not broadcast", "\n".join(errors[0]["traceback"]))
        streams = "".join(o["text"] for o in outputs if o["output_type"] == "stream")
        self.assertIn("step 0", streams)
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        self.assertEqual(counts, list(range(1, len(counts) + 1)))


if __name__ == "__main__":
    try:
        if "--write" in sys.argv:
            sys.argv.remove("--write")
            nbformat.write(execute_lesson(LESSON), LESSON)
            print(f"wrote {LESSON}")
        else:
            unittest.main(verbosity=2)
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
