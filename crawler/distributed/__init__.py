"""A sweep shared by several worker processes on any number of machines (docs/distributed.md).

Built on scrapy-redis (its scheduler, duplicate filter and request serialisation), with what
scrapy-redis alone does not give:

- leases (queue.py): a request popped by a worker is not forgotten; it moves to a lease list
  owned by that worker until everything it produced is safe (child requests queued, guides
  committed to the store). A worker that stops heart-beating (SIGKILL, power off) has its
  leases put back in the queue by whoever notices first, so nothing it held is lost, and the
  store's writes are idempotent per sweep and guide, so nothing is stored twice.
- the lease book (leases.py): which outputs of a leased request are still in flight.
- shared politeness (politeness.py): the per-host delay and concurrency are held in Redis, so
  N workers do not fetch N times as fast as one.
- the worker (worker.py) and the coordinator (coordinator.py: `guideaudit sweep --redis`),
  which creates the sweep in the store, seeds the queue, waits until the queue is drained and no
  lease is open, and records the end of the sweep like any other.
"""
