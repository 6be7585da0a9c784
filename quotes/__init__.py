"""quotes: find quotations in news articles, attribute them to speakers, publish the index.

The command line lives in :mod:`quotes.cli`; everything it does is available as plain Python in
:mod:`quotes.ingest`, :mod:`quotes.indexer`, :mod:`quotes.store` and :mod:`quotes.export`.
"""

__version__ = "0.1.0"
