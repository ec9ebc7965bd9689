"""Builders for small seed files used by the tests (written to tmp_path, never into seeds/)."""

from __future__ import annotations

from pathlib import Path

HEADER = "id,province,city,county,adcode,level,agency,column_url,platform,active,notes"

# Valid rows for 河北 (13) and 江苏 (32); each is one CSV line without a newline.
HEBEI_GOV = "130000_rmzf,河北,,,130000,province,河北省人民政府,https://www.hebei.gov.cn/columns/abc/,auto,true,"
HEBEI_ZHENGDING = "130123_rmzf,河北,石家庄市,正定县,130123,county,正定县人民政府,http://zd.gov.cn/columns/e434/,auto,true,"
JIANGSU_YANCHENG = (
    "320900_sthjj,江苏,盐城市,,320900,prefecture-dept,盐城市生态环境局,"
    "http://www.yancheng.gov.cn/col/col33704/index.html,hanweb,true,"
)


def write(path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n", bom: bool = False) -> Path:
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
