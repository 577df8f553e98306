"""`python -m booking_sandbox --host 127.0.0.1 --port 8900 --seed 1 [--generate-every 30]
[--state sandbox.json] [--ical-fetch-every 600]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from booking_sandbox.config import SandboxConfig
from booking_sandbox.server import run


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve the sandbox until interrupted."""
    parser = argparse.ArgumentParser(prog="booking_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--generate-every", type=float, default=None, help="seconds between generated events"
    )
    parser.add_argument("--allow-basic-auth", action="store_true", help="accept legacy Basic")
    parser.add_argument(
        "--state", type=Path, default=None, help="JSON file keeping the state across restarts"
    )
    parser.add_argument(
        "--ical-fetch-every",
        type=float,
        default=None,
        help="seconds between fetches of the iCal listings' imported feeds (default: on request)",
    )
    args = parser.parse_args(argv)
    config = SandboxConfig(
        ical_fetch_every=args.ical_fetch_every,
        generate_every=args.generate_every,
        allow_basic_auth=args.allow_basic_auth,
        state_path=args.state,
    )
    run(args.host, args.port, args.seed, config=config)


if __name__ == "__main__":
    main()
