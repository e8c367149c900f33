"""Publishing a finished render where people watch it (YouTube) or review it (Google Drive).

`google.py` holds the OAuth credentials and the chunked, resumable upload loop both targets
share; `youtube.py` and `drive.py` say what each API is sent; `publisher.py` makes publishing
idempotent through the `publications` table. C2PA signing of the MP4 is in media/credentials.py.
"""
