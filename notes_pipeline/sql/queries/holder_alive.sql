-- Whether the process that took this holder token still has its database session (store/holder.py).
SELECT session_holder_alive(%(token)s) AS alive
