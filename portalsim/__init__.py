"""Simulated portal farm: many fake 政府信息公开年报 portals on 127.0.0.1, deterministic from a seed.

    from portalsim import Farm, FarmServer
    farm = Farm.generate(portals=12, seed=1, faults=False)      # pure data, deterministic
    with FarmServer(farm, port=0) as server:                    # background threads, loopback only
        server.base_url          # "http://127.0.0.1:<port>"
        server.seed_rows()       # rows of the seeds CSV format, column_url pointing into the farm
        server.manifest()        # ground truth: portals, report URLs + agency/year/cells, faults
        server.write_out(dir)    # dir/seeds.csv, dir/seeds/<code>_<pinyin>.csv, dir/manifest.json
        farm.add_report(portal_id)   # a new report on page 1 of that column, while serving
        server.request_counts()      # (method, path?query, body) -> times requested

Every portal lives under ``/p/<portal_id>/`` on the main listener; the root ``/robots.txt``
covers all of them. Portals with a host-level fault (robots.txt answering 500, self-signed
HTTPS, an "HTTPS" port that does not speak TLS) also get a listener of their own; the manifest
gives each portal's ``base_url``.

Families and their URL layouts (inside ``/p/<portal_id>``; see each module's docstring):

- ``trs``     ``/zwgk/zfxxgknb/index.html`` + ``index_N``; createPageHTML (0-based), 6-arg (1-based),
              ``Pager({...})``, inline ``countPage``; details ``./YYYYMM/tYYYYMMDD_ID.html`` (``_k`` parts);
              files ``./P0….pdf``.
- ``hanweb``  ``/col/col{cid}/index.html`` (inline ``<datastore>``), ``/module/web/jpage/dataproxy.jsp``
              (POST record ranges, GET ``page=N``); files via ``downfile.jsp`` → 302 ``/attach/0/…``.
- ``gkmlpt``  ``/gkmlpt/annualreport#cat`` (``_CONFIG`` SID), ``/gkmlpt/api/all/{cat}?page=n&sid=``.
- ``jsonapi`` ``/info_open/index.html`` shell, ``POST /info_open/search``; details ``/doc/…shtml``.
- ``plain``   ``list.html?page=N`` / ``N.html`` / ``index_N.shtml`` with 下一页 links.

Fault kinds and the seed health expected for them: :data:`FAULT_EXPECTATIONS`.
"""

from portalsim.model import FAULT_EXPECTATIONS, Farm, FarmOptions
from portalsim.server import SEED_HEADER, FarmServer

__all__ = ["FAULT_EXPECTATIONS", "Farm", "FarmOptions", "FarmServer", "SEED_HEADER"]
