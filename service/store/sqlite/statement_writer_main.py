"""`python -m service.store.sqlite.statement_writer_main FD PATH GROUP_COMMIT_MAX`: the statement
writer process a server starts (see statement_writer_process); not a command for people."""

import sys
from multiprocessing.connection import Connection

from service.store.sqlite.statement_writer_child import run_statement_writer

if __name__ == "__main__":
    fd, database, most = sys.argv[1:4]
    run_statement_writer(Connection(int(fd)), database, int(most))
