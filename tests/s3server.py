"""A throwaway S3 server on 127.0.0.1 for the tests: moto in server mode (from PyPI, the test extra),
with the AWS environment pointed at it so that s3fs, here and in worker processes started after it,
talks to it and to nothing else."""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager

from pgserver import _free_port

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@contextmanager
def s3_server():
    """Yield the endpoint URL; the environment is restored afterwards."""
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)     # no line per request on stderr
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in (*ENV, "AWS_ENDPOINT_URL_S3")}
    os.environ.update(ENV, AWS_ENDPOINT_URL_S3=endpoint)
    try:
        yield endpoint
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
