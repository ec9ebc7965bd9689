"""Places and agencies the farm draws simulated portals from (data only).

Administrative codes are the public GB/T 2260 codes of real places; the portals built from them
are fictional and live only on 127.0.0.1.
"""

from __future__ import annotations

# (province, city, county, adcode, ascii slug, level of the government)
PLACES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("北京市", "北京市", "朝阳区", "110105", "chaoyang", "district"),
    ("北京市", "北京市", "海淀区", "110108", "haidian", "district"),
    ("上海市", "上海市", "黄浦区", "310101", "huangpu", "district"),
    ("上海市", "上海市", "普陀区", "310107", "putuo", "district"),
    ("江苏省", "南京市", "", "320100", "nanjing", "city"),
    ("江苏省", "无锡市", "", "320200", "wuxi", "city"),
    ("江苏省", "淮安市", "洪泽区", "320813", "hongze", "district"),
    ("江苏省", "宿迁市", "", "321300", "suqian", "city"),
    ("浙江省", "杭州市", "余杭区", "330110", "yuhang", "district"),
    ("浙江省", "宁波市", "", "330200", "ningbo", "city"),
    ("安徽省", "宿州市", "", "341300", "suzhou", "city"),
    ("福建省", "福州市", "平潭县", "350128", "pingtan", "county"),
    ("江西省", "南昌市", "", "360100", "nanchang", "city"),
    ("山东省", "济南市", "", "370100", "jinan", "city"),
    ("山东省", "泰安市", "", "370900", "taian", "city"),
    ("河南省", "郑州市", "", "410100", "zhengzhou", "city"),
    ("湖北省", "武汉市", "", "420100", "wuhan", "city"),
    ("湖北省", "恩施土家族苗族自治州", "来凤县", "422827", "laifeng", "county"),
    ("湖南省", "怀化市", "", "431200", "huaihua", "city"),
    ("广东省", "广州市", "越秀区", "440104", "yuexiu", "district"),
    ("广东省", "深圳市", "", "440300", "shenzhen", "city"),
    ("广东省", "湛江市", "", "440800", "zhanjiang", "city"),
    ("广东省", "肇庆市", "", "441200", "zhaoqing", "city"),
    ("广东省", "梅州市", "", "441400", "meizhou", "city"),
    ("广西壮族自治区", "南宁市", "", "450100", "nanning", "city"),
    ("四川省", "成都市", "", "510100", "chengdu", "city"),
    ("贵州省", "黔南布依族苗族自治州", "", "522700", "qiannan", "city"),
    ("云南省", "昆明市", "", "530100", "kunming", "city"),
    ("陕西省", "延安市", "", "610600", "yanan", "city"),
    ("甘肃省", "天水市", "清水县", "620521", "qingshui", "county"),
    ("河北省", "邯郸市", "", "130400", "handan", "city"),
    ("河北省", "邢台市", "巨鹿县", "130529", "julu", "county"),
    ("山西省", "太原市", "", "140100", "taiyuan", "city"),
    ("吉林省", "长春市", "", "220100", "changchun", "city"),
    ("黑龙江省", "牡丹江市", "", "231000", "mudanjiang", "city"),
    ("新疆维吾尔自治区", "克拉玛依市", "白碱滩区", "650204", "baijiantan", "district"),
)

# (department name suffix, ascii slug); "" means the government itself
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("人民政府", "gov"),
    ("人民政府办公室", "zfb"),
    ("教育局", "jyj"),
    ("财政局", "czj"),
    ("人力资源和社会保障局", "rsj"),
    ("民政局", "mzj"),
    ("卫生健康委员会", "wjw"),
    ("生态环境局", "sthjj"),
    ("退役军人事务局", "tyjrswj"),
    ("统计局", "tjj"),
)
