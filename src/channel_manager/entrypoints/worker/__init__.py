"""The worker: scheduled reservation polls, full syncs and the outbound queue."""

from channel_manager.entrypoints.worker.loop import Worker, build_worker, run_worker

__all__ = ["Worker", "build_worker", "run_worker"]
