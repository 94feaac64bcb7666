"""Word lists and small pure generators for the demo city: people, places, roads, providers.

Everything here is data or a function of a `random.Random` passed in, so the demo city is the
same for the same seed. Names are generated, not copied from real registers: they read like
Shanghai's without naming a real neighbourhood committee, company or training school.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

# --- People -------------------------------------------------------------------------------

# Common surnames with rough weights (per mille of the population), tilted towards Shanghai,
# where 陆, 沈, 顾, 徐 and 朱 are more common than in the national ranking.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 66), ("张", 64), ("陈", 60), ("刘", 50), ("徐", 30), ("杨", 30),
    ("黄", 25), ("朱", 24), ("周", 23), ("吴", 22), ("赵", 20), ("沈", 18), ("陆", 17),
    ("孙", 15), ("胡", 14), ("顾", 14), ("马", 12), ("郭", 11), ("何", 11), ("林", 10),
    ("高", 10), ("钱", 9), ("罗", 9), ("郑", 9), ("姚", 8), ("蒋", 8), ("金", 8), ("梁", 8),
    ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("施", 7), ("韩", 6), ("冯", 6), ("邓", 6),
    ("曹", 6), ("袁", 6), ("汤", 6), ("彭", 5), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5),
    ("潘", 5), ("蔡", 5), ("俞", 5), ("倪", 5), ("余", 4), ("于", 4), ("杜", 4), ("叶", 4),
    ("程", 4), ("范", 4), ("严", 4), ("龚", 4), ("邵", 4), ("戴", 4), ("毛", 4), ("魏", 3),
    ("苏", 3), ("吕", 3), ("丁", 3), ("任", 3), ("卢", 3), ("姜", 3), ("钟", 3), ("汪", 3),
    ("方", 3), ("秦", 3), ("江", 3), ("夏", 3), ("葛", 3), ("崔", 2), ("谭", 2), ("石", 2),
    ("廖", 2), ("贾", 2), ("孔", 2), ("殷", 2), ("费", 1), ("浦", 1), ("欧阳", 1), ("诸葛", 0.3),
)  # fmt: skip

GIVEN_MALE = "伟强磊军勇杰涛明超斌鹏辉刚健峰浩宇俊凯毅豪翔博泽轩睿哲帆航宁波晨阳"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳慧颖洁倩萍红梅莉佳欣怡悦蓉晶妍璐瑶琪蕾"
GIVEN_SHARED = "文晓海春金林平嘉子思雨一安佳嘉天云新志立永家振世正乐心"
# People born before the mid-1960s often carry the names of their time.
GIVEN_MALE_OLDER = "国建福根宝荣德明华忠民兴祥生发庆"
GIVEN_FEMALE_OLDER = "秀英兰珍凤芬桂娣妹琴菊月美丽玉"

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

_SURNAME_CHARS = tuple(s for s, _ in SURNAMES)
_SURNAME_CUM = tuple(itertools.accumulate(w for _, w in SURNAMES))


def person_name(rng: random.Random, *, male: bool, birth_year: int) -> str:
    """A Chinese full name: a weighted surname and one or two given-name characters."""
    surname = _SURNAME_CHARS[bisect.bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]
    own = GIVEN_MALE if male else GIVEN_FEMALE
    if birth_year < 1965 and rng.random() < 0.5:
        own = GIVEN_MALE_OLDER if male else GIVEN_FEMALE_OLDER
    last = rng.choice(own)
    if rng.random() < 0.28:
        return surname + last
    first = rng.choice(own + GIVEN_SHARED)
    return surname + first + last


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def landline(rng: random.Random) -> str:
    return f"021-{rng.randrange(5000_0000, 6999_9999)}"


# --- Places -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictGeo:
    """Where a district lies and how its residents differ from the city's average."""

    lat: float
    lon: float
    lat_spread: float  # one standard deviation, in degrees
    lon_spread: float
    aged_factor: float  # relative share of residents aged 65+
    non_local_factor: float  # relative share of residents without a Shanghai hukou


# Centres are approximate district centroids. The old city centre is older and more local;
# the outer districts are where newcomers live (2020 census pattern).
DISTRICT_GEO: dict[str, DistrictGeo] = {
    "310101": DistrictGeo(31.2230, 121.4900, 0.012, 0.012, 1.40, 0.50),
    "310104": DistrictGeo(31.1700, 121.4400, 0.030, 0.020, 1.25, 0.60),
    "310105": DistrictGeo(31.2150, 121.3900, 0.015, 0.030, 1.30, 0.60),
    "310106": DistrictGeo(31.2600, 121.4550, 0.025, 0.015, 1.35, 0.55),
    "310107": DistrictGeo(31.2500, 121.4000, 0.020, 0.030, 1.30, 0.60),
    "310109": DistrictGeo(31.2700, 121.4900, 0.020, 0.015, 1.40, 0.50),
    "310110": DistrictGeo(31.2850, 121.5300, 0.020, 0.020, 1.30, 0.60),
    "310112": DistrictGeo(31.1100, 121.4000, 0.060, 0.060, 0.85, 1.20),
    "310113": DistrictGeo(31.3900, 121.4300, 0.050, 0.050, 0.90, 1.15),
    "310114": DistrictGeo(31.3700, 121.2500, 0.050, 0.060, 0.80, 1.30),
    "310115": DistrictGeo(31.1500, 121.6700, 0.110, 0.100, 1.00, 1.00),
    "310116": DistrictGeo(30.8200, 121.2500, 0.050, 0.070, 0.95, 1.00),
    "310117": DistrictGeo(31.0300, 121.2200, 0.050, 0.070, 0.70, 1.45),
    "310118": DistrictGeo(31.1300, 121.1000, 0.060, 0.080, 0.75, 1.35),
    "310120": DistrictGeo(30.9200, 121.5000, 0.050, 0.100, 0.85, 1.20),
    "310151": DistrictGeo(31.6200, 121.5800, 0.070, 0.160, 1.60, 0.40),
}

# The city's bounding box; generated coordinates are clamped into it.
LAT_RANGE = (30.70, 31.90)
LON_RANGE = (120.90, 122.00)

# Two-part place names in the style of Shanghai's towns (泗泾, 朱家角, 新桥, 金汇…):
# (Chinese, pinyin) for the first and the second syllable.
PLACE_HEADS: tuple[tuple[str, str], ...] = (
    ("金", "Jin"), ("新", "Xin"), ("华", "Hua"), ("江", "Jiang"), ("周", "Zhou"),
    ("朱", "Zhu"), ("张", "Zhang"), ("马", "Ma"), ("唐", "Tang"), ("徐", "Xu"),
    ("罗", "Luo"), ("泗", "Si"), ("枫", "Feng"), ("练", "Lian"), ("白", "Bai"),
    ("石", "Shi"), ("长", "Chang"), ("曹", "Cao"), ("高", "Gao"), ("三", "San"),
    ("北", "Bei"), ("南", "Nan"), ("东", "Dong"), ("西", "Xi"), ("龙", "Long"),
    ("凤", "Feng"), ("永", "Yong"), ("宝", "Bao"), ("庙", "Miao"), ("惠", "Hui"),
    ("祝", "Zhu"), ("漕", "Cao"), ("梅", "Mei"), ("杨", "Yang"), ("花", "Hua"),
    ("桃", "Tao"), ("兴", "Xing"), ("泰", "Tai"), ("顾", "Gu"), ("陈", "Chen"),
    ("竹", "Zhu"), ("彭", "Peng"), ("万", "Wan"), ("虹", "Hong"), ("临", "Lin"),
    ("大", "Da"), ("五", "Wu"), ("七", "Qi"), ("九", "Jiu"), ("洞", "Dong"),
    ("亭", "Ting"), ("廊", "Lang"), ("柘", "Zhe"), ("叶", "Ye"), ("望", "Wang"),
    ("娄", "Lou"), ("盈", "Ying"), ("合", "He"), ("川", "Chuan"), ("航", "Hang"),
)  # fmt: skip
PLACE_TAILS: tuple[tuple[str, str], ...] = (
    ("桥", "qiao"), ("泾", "jing"), ("浦", "pu"), ("港", "gang"), ("汇", "hui"),
    ("塘", "tang"), ("湾", "wan"), ("庄", "zhuang"), ("泽", "ze"), ("口", "kou"),
    ("园", "yuan"), ("林", "lin"), ("沙", "sha"), ("亭", "ting"), ("墩", "dun"),
    ("洲", "zhou"), ("滨", "bin"), ("渡", "du"), ("堰", "yan"), ("山", "shan"),
    ("河", "he"), ("溪", "xi"), ("湖", "hu"), ("门", "men"), ("宁", "ning"),
    ("安", "an"), ("阳", "yang"), ("行", "hang"), ("舍", "she"), ("埭", "dai"),
    ("桥", "qiao"), ("浜", "bang"), ("家角", "jiajiao"), ("家宅", "jiazhai"),
)  # fmt: skip

# How neighbourhood committees are named after the estates and villages they serve.
ESTATE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("", ""), ("新村", " Xincun"), ("一村", " No. 1 Estate"), ("二村", " No. 2 Estate"),
    ("三村", " No. 3 Estate"), ("花苑", " Garden"), ("小区", " Estate"), ("东村", " East Estate"),
    ("西村", " West Estate"), ("南苑", " South Court"), ("北苑", " North Court"),
)  # fmt: skip
ESTATE_WORDS: tuple[tuple[str, str], ...] = (
    ("幸福", "Xingfu"), ("和平", "Heping"), ("新华", "Xinhua"), ("光明", "Guangming"),
    ("建设", "Jianshe"), ("友谊", "Youyi"), ("长寿", "Changshou"), ("春光", "Chunguang"),
    ("阳光", "Yangguang"), ("康乐", "Kangle"), ("锦绣", "Jinxiu"), ("丰收", "Fengshou"),
    ("团结", "Tuanjie"), ("民主", "Minzhu"), ("红星", "Hongxing"), ("翠竹", "Cuizhu"),
)  # fmt: skip


def pinyin_join(*syllables: str) -> str:
    """Join pinyin syllables into one capitalised word; a syllable starting with a, o or e
    after another one takes an apostrophe (Xi'an), as Hanyu Pinyin requires."""
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[:1].lower() in "aoe" else "") + syllable.lower()
    return word[:1].upper() + word[1:]


def place_name(rng: random.Random) -> tuple[str, str]:
    """A two-syllable place name, e.g. ("泗泾", "Sijing")."""
    head_zh, head_py = rng.choice(PLACE_HEADS)
    tail_zh, tail_py = rng.choice(PLACE_TAILS)
    return head_zh + tail_zh, pinyin_join(head_py, tail_py)


def estate_name(rng: random.Random) -> tuple[str, str]:
    """An estate or village name, e.g. ("长寿新村", "Changshou Xincun")."""
    if rng.random() < 0.3:
        base_zh, base_en = rng.choice(ESTATE_WORDS)
    else:
        base_zh, base_en = place_name(rng)
    suffix_zh, suffix_en = rng.choice(ESTATE_SUFFIXES)
    return base_zh + suffix_zh, base_en + suffix_en


# --- Roads and addresses ------------------------------------------------------------------

# Shanghai names its roads after provinces, cities and local places.
ROADS: tuple[tuple[str, str], ...] = (
    ("南京", "Nanjing"), ("北京", "Beijing"), ("四川", "Sichuan"), ("延安", "Yan'an"),
    ("西藏", "Xizang"), ("淮海", "Huaihai"), ("长寿", "Changshou"), ("曹杨", "Caoyang"),
    ("武宁", "Wuning"), ("中山", "Zhongshan"), ("漕溪", "Caoxi"), ("虹桥", "Hongqiao"),
    ("天山", "Tianshan"), ("江苏", "Jiangsu"), ("长宁", "Changning"), ("四平", "Siping"),
    ("国定", "Guoding"), ("张杨", "Zhangyang"), ("浦东", "Pudong"), ("川沙", "Chuansha"),
    ("龙东", "Longdong"), ("都市", "Dushi"), ("沪闵", "Humin"), ("共和新", "Gonghexin"),
    ("逸仙", "Yixian"), ("牡丹江", "Mudanjiang"), ("友谊", "Youyi"), ("城中", "Chengzhong"),
    ("博乐", "Bole"), ("塔城", "Tacheng"), ("人民", "Renmin"), ("沪松", "Husong"),
    ("公园", "Gongyuan"), ("青松", "Qingsong"), ("南桥", "Nanqiao"), ("解放", "Jiefang"),
    ("卫零", "Weiling"), ("石化", "Shihua"), ("八一", "Bayi"), ("城桥", "Chengqiao"),
    ("宜山", "Yishan"), ("凯旋", "Kaixuan"), ("江宁", "Jiangning"), ("昌平", "Changping"),
    ("大连", "Dalian"), ("控江", "Kongjiang"), ("海宁", "Haining"), ("山阴", "Shanyin"),
)  # fmt: skip
ROAD_KINDS: tuple[tuple[str, str], ...] = (
    ("路", "Road"), ("路", "Road"), ("路", "Road"), ("东路", "Road (E)"),
    ("西路", "Road (W)"), ("街", "Street"), ("大道", "Avenue"), ("公路", "Highway"),
)  # fmt: skip


def address(
    rng: random.Random, *, district_zh: str, district_en: str, local: tuple[str, str]
) -> tuple[str, str]:
    """A street address in both languages; half the roads are named after the local place."""
    road_zh, road_en = local if rng.random() < 0.5 else rng.choice(ROADS)
    kind_zh, kind_en = rng.choice(ROAD_KINDS)
    number = rng.randrange(1, 1500)
    return (
        f"{district_zh}{road_zh}{kind_zh}{number}号",
        f"{number} {road_en} {kind_en}, {district_en}",
    )


# --- Providers ----------------------------------------------------------------------------

# Universities in Shanghai with a school of continuing education, and their main campus's
# district.
UNIVERSITIES: tuple[tuple[str, str, str], ...] = (
    ("复旦大学", "Fudan University", "310110"),
    ("上海交通大学", "Shanghai Jiao Tong University", "310112"),
    ("同济大学", "Tongji University", "310110"),
    ("华东师范大学", "East China Normal University", "310107"),
    ("华东理工大学", "East China University of Science and Technology", "310104"),
    ("东华大学", "Donghua University", "310105"),
    ("上海大学", "Shanghai University", "310113"),
    ("上海财经大学", "Shanghai University of Finance and Economics", "310110"),
    ("上海外国语大学", "Shanghai International Studies University", "310109"),
    ("华东政法大学", "East China University of Political Science and Law", "310105"),
    ("上海理工大学", "University of Shanghai for Science and Technology", "310110"),
    ("上海师范大学", "Shanghai Normal University", "310104"),
    ("上海海事大学", "Shanghai Maritime University", "310115"),
    ("上海海洋大学", "Shanghai Ocean University", "310115"),
    ("上海中医药大学", "Shanghai University of Traditional Chinese Medicine", "310115"),
    ("上海电力大学", "Shanghai University of Electric Power", "310115"),
    ("上海应用技术大学", "Shanghai Institute of Technology", "310120"),
    ("上海工程技术大学", "Shanghai University of Engineering Science", "310117"),
    ("上海对外经贸大学", "Shanghai University of International Business and Economics", "310117"),
    ("上海体育大学", "Shanghai University of Sport", "310110"),
    ("上海音乐学院", "Shanghai Conservatory of Music", "310104"),
    ("上海戏剧学院", "Shanghai Theatre Academy", "310106"),
    ("上海政法学院", "Shanghai University of Political Science and Law", "310118"),
    ("上海第二工业大学", "Shanghai Polytechnic University", "310115"),
    ("上海电机学院", "Shanghai Dianji University", "310115"),
    ("上海立信会计金融学院", "Shanghai Lixin University of Accounting and Finance", "310115"),
    ("上海商学院", "Shanghai Business School", "310120"),
    ("上海健康医学院", "Shanghai University of Medicine and Health Sciences", "310115"),
    ("上海杉达学院", "Sanda University", "310115"),
    ("上海建桥学院", "Shanghai Jian Qiao University", "310115"),
    ("上海视觉艺术学院", "Shanghai Institute of Visual Arts", "310117"),
    ("上海出版印刷高等专科学校", "Shanghai Publishing and Printing College", "310110"),
    ("上海旅游高等专科学校", "Shanghai Institute of Tourism", "310120"),
    ("上海城建职业学院", "Shanghai Urban Construction Vocational College", "310120"),
    (
        "上海电子信息职业技术学院",
        "Shanghai Technical Institute of Electronics & Information",
        "310120",
    ),
    ("上海工艺美术职业学院", "Shanghai Arts & Design Academy", "310114"),
    ("上海农林职业技术学院", "Shanghai Vocational College of Agriculture and Forestry", "310117"),
    ("上海交通职业技术学院", "Shanghai Communications Polytechnic", "310109"),
    ("上海海事职业技术学院", "Shanghai Maritime Academy", "310115"),
    ("上海城市管理职业技术学院", "Shanghai Urban Management College", "310116"),
)

BRANDS: tuple[tuple[str, str], ...] = (
    ("新知", "Xinzhi"), ("启航", "Qihang"), ("博雅", "Boya"), ("育才", "Yucai"),
    ("英华", "Yinghua"), ("东方", "Dongfang"), ("远航", "Yuanhang"), ("卓越", "Zhuoyue"),
    ("明德", "Mingde"), ("智学", "Zhixue"), ("阳光", "Yangguang"), ("未来", "Weilai"),
    ("星火", "Xinghuo"), ("同文", "Tongwen"), ("思源", "Siyuan"), ("致远", "Zhiyuan"),
    ("行知", "Xingzhi"), ("求是", "Qiushi"), ("文华", "Wenhua"), ("华夏", "Huaxia"),
    ("蓝天", "Lantian"), ("金桥", "Jinqiao"), ("鼎新", "Dingxin"), ("弘毅", "Hongyi"),
    ("明志", "Mingzhi"), ("立达", "Lida"), ("知行", "Zhixing"), ("慧学", "Huixue"),
    ("新纪元", "Xinjiyuan"), ("海之韵", "Haizhiyun"), ("申城", "Shencheng"), ("浦江", "Pujiang"),
    ("沪上", "Hushang"), ("锦程", "Jincheng"), ("睿思", "Ruisi"), ("融智", "Rongzhi"),
    ("培英", "Peiying"), ("勤学", "Qinxue"), ("乐学", "Lexue"), ("书香", "Shuxiang"),
    ("雅韵", "Yayun"), ("艺林", "Yilin"), ("墨香", "Moxiang"), ("天成", "Tiancheng"),
    ("聚贤", "Juxian"), ("精诚", "Jingcheng"), ("恒通", "Hengtong"), ("宏图", "Hongtu"),
    ("汇智", "Huizhi"), ("新航道", "Xinhangdao"), ("长风", "Changfeng"), ("东海", "Donghai"),
    ("春晖", "Chunhui"), ("晨曦", "Chenxi"), ("百川", "Baichuan"), ("嘉禾", "Jiahe"),
    ("青藤", "Qingteng"), ("远景", "Yuanjing"), ("华信", "Huaxin"), ("德诚", "Decheng"),
    ("众创", "Zhongchuang"), ("佳音", "Jiayin"), ("博学", "Boxue"), ("优才", "Youcai"),
)  # fmt: skip
TRAINING_FIELDS: tuple[tuple[str, str], ...] = (
    ("外语", "Foreign Language"), ("艺术", "Arts"), ("职业技能", "Vocational Skills"),
    ("计算机", "Computing"), ("财会", "Accounting"), ("烹饪", "Culinary"),
    ("书画", "Calligraphy and Painting"), ("舞蹈", "Dance"), ("音乐", "Music"),
    ("美容美发", "Beauty and Hairdressing"), ("家政服务", "Household Services"),
    ("养老护理", "Elderly Care"), ("围棋", "Go"), ("文化", "Culture"), ("设计", "Design"),
    ("电子商务", "E-commerce"), ("摄影", "Photography"), ("健康管理", "Health Management"),
    ("汽车维修", "Auto Repair"), ("编程", "Coding"), ("茶艺", "Tea Art"), ("花艺", "Floristry"),
)  # fmt: skip
TRAINING_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("培训学校", "Training School"), ("培训中心", "Training Centre"),
    ("进修学校", "Continuing Studies School"), ("职业技能培训学校", "Skills Training School"),
)  # fmt: skip
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("机械", "Machinery"), ("电子", "Electronics"), ("物流", "Logistics"),
    ("医药", "Pharmaceutical"),
    ("汽车零部件", "Auto Parts"), ("建设工程", "Construction"), ("纺织", "Textile"),
    ("食品", "Food"), ("信息技术", "Information Technology"), ("金融服务", "Financial Services"),
    ("酒店管理", "Hotel Management"), ("新材料", "New Materials"), ("化工", "Chemical"),
    ("航运", "Shipping"), ("生物科技", "Biotechnology"), ("环保科技", "Environmental Technology"),
    ("精密仪器", "Precision Instruments"), ("智能制造", "Smart Manufacturing"),
    ("商贸", "Trading"), ("电力设备", "Power Equipment"), ("集成电路", "Integrated Circuits"),
)  # fmt: skip

# The elder colleges' four campuses and the district each sits in.
ELDER_CAMPUSES: tuple[tuple[str, str, str, str], ...] = (
    ("S", "南", "South", "310104"),
    ("E", "东", "East", "310115"),
    ("N", "北", "North", "310110"),
    ("W", "西", "West", "310105"),
)
