"""Scrapy spiders: one per CMS family, plus the health and hint spiders.

A CMS family is one unit: its declaration in :mod:`crawler.families` (platform key(s), detection
priority, fingerprints kept in the family's section of :mod:`crawler.spiders.patterns`) and its
spider class, which points at that declaration (``family = families.FOO``).
:data:`crawler.families.FAMILIES` is the one list of families, from which come the valid
``platform`` values of the seed files and the order in which
:func:`crawler.platforms.detect_platform` tries the families — without importing any spider;
:mod:`crawler.spiders.registry` maps each declaration to its spider class.

Adding a family (say ``foo``) touches about five files:

1. ``crawler/spiders/foo.py`` — pure parse functions (at least ``parse_listing(text, url)``) and a
   thin ``FooSpider(PortalSpider)`` with ``family = families.FOO``. Its pager regexes and its
   ``Fingerprints(body=..., url=...)`` go in a ``foo`` section of ``crawler/spiders/patterns.py``.
2. ``crawler/families.py`` — ``FOO = Family(("foo",), <priority>, SP.FOO_FINGERPRINTS)`` added to
   ``FAMILIES``, with a ``detection_priority`` no other family uses (lower is tried first: go
   before a family whose strings your pages may also show; the ``plain`` fallback stays last);
   and ``FooSpider`` in ``crawler/spiders/registry.py`` ``FAMILY_SPIDERS``. A declaration without
   its spider (or the reverse) is an import error; a spider Scrapy knows but the registry misses
   makes ``scrapy nightly``/``backfill``/``demo`` refuse to run (``check_spider_loader``), and
   ``tests/spiders/test_families_registry.py`` fails.
3. ``tests/spiders/fixtures/`` — saved bytes of a listing page and a report detail page (each with
   its ``.meta.json``: url, status, headers), e.g. saved from what the farm serves; and
   ``fixtures/golden/foo_listing.json`` / ``foo_detail.json`` naming them
   (``{"fixture": "...", "output": null}``), filled by
   ``python -m tests.spiders.test_families_registry`` — review the output before committing.
4. ``tests/spiders/test_foo.py`` — golden tests of the family's parse functions over the saved
   fixtures (pagers, odd layouts, faults).
5. ``portalsim/families/foo.py`` (and its entry in ``portalsim/families/__init__.py`` and
   ``portalsim/model.py`` ``FAMILIES``) — the simulated portals of the family, so the farm
   end-to-end tests crawl it; the registry test checks the farm serves it and that detection
   recognises its column page.

The seeds README lists the platform keys for researchers: add ``foo`` there too.
"""
