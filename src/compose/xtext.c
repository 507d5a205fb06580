/*
 * xtext.c - X's weighted post length after twitter-text v3 (see xtext.h).
 *
 * The counting loop is twitter-text's parseTweet: URLs and emoji are found
 * first, each on its own over the whole NFC text; then, going through the
 * text, a URL starting here counts 23, else an emoji sequence starting here
 * counts 2, else the code point counts its weight.
 *
 * URLs follow twitter-text's extractor (Java Regex.VALID_URL and
 * Extractor.extractURLsWithIndices), emulated by hand on code points:
 *
 *   before  the start of the text, or any character other than an ASCII
 *           letter or digit, '@', U+FF20, '$', '#', U+FF03 or an invalid
 *           character (a directional mark is always fine).  It is part of the
 *           match: matches do not overlap, the next search starts at the end
 *           of the last match, even of one later refused.
 *   scheme  "http://" or "https://", optional, any case.
 *   domain  labels of ASCII letters, digits and Latin accented letters, '-'
 *           and '_' inside (no '_' in the label before the TLD), then a TLD
 *           from twitter-text's list (or xn--...) not followed by an ASCII
 *           letter, digit, '@', '+' or '-'; the most labels that work.  After
 *           a scheme, also one label of any letters (e.g. CJK) plus a TLD.
 *   port    ':' and digits.
 *   path    '/' and the longest run of path characters (balanced parentheses
 *           allowed, one nesting level) that ends in an ending character, so
 *           a final '.' or ',' stays outside the link.
 *   query   '?' and the longest run of query characters ending in an ending
 *           character.
 *
 * A match is then refused if it has no scheme and follows '-', '_', '.' or
 * '/'; if it is a t.co link whose slug is over 40 characters (a t.co link
 * keeps only its slug and query); if a host label is empty or over 63
 * characters once punycode-encoded; or if it is over 4096 UTF-16 units
 * (counting "https://" when there is no scheme).
 *
 * Emoji sequences are recognised by their shape rather than by twitter-text's
 * generated list of known sequences: a pictographic code point (Unicode
 * Extended_Pictographic) with its variation selector, skin tone and tag
 * sequence, joined by ZWJ to more of them (at most 4 in all); keycaps
 * ([0-9#*] U+FE0F? U+20E3); regional-indicator pairs.  (C), (R), TM and
 * U+265F count as emoji only when followed by U+FE0F; a pictograph followed
 * by U+FE0E is text.  Where the two differ (a ZWJ chain or a skin tone the
 * list does not hold) this counts one emoji, 2, where twitter-text counts the
 * parts (2 + 1 + 2 for two pictographs joined by ZWJ); every sequence in the
 * conformance data is a known one.
 *
 * Not emulated: IDNA nameprep (case folding, NFKC, bidi rules) before the
 * punycode length check; the host is encoded as it is, as twitter-text's
 * JavaScript does.
 */
#include "compose/xtext.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- code point classes ---- */

static int is_invalid(int32_t c)
{
    return c == 0xFFFE || c == 0xFEFF || c == 0xFFFF;
}

static int is_directional(int32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

static int is_digit(int32_t c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(int32_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int32_t ascii_lower(int32_t c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* twitter-text's LATIN_ACCENTS_CHARS. */
static int is_latin_accent(int32_t c)
{
    return (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x24F) ||
           c == 0x253 || c == 0x254 || c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25B ||
           c == 0x263 || c == 0x268 || c == 0x26F || c == 0x272 || c == 0x289 || c == 0x28B ||
           c == 0x2BB || (c >= 0x300 && c <= 0x36F) || (c >= 0x1E00 && c <= 0x1EFF);
}

static int is_cyrillic(int32_t c)
{
    return c >= 0x400 && c <= 0x4FF;
}

/* An ASCII character listed in set (never NUL). */
static int in_set(int32_t c, const char *set)
{
    return c > 0 && c < 0x80 && strchr(set, (int)c) != NULL;
}

/* The length of cp[s..e) in UTF-16 units, the unit twitter-text measures URLs in. */
static size_t utf16_len(const int32_t *cp, size_t s, size_t e)
{
    size_t l = 0;
    for (size_t i = s; i < e; i++)
        l += cp[i] >= 0x10000 ? 2 : 1;
    return l;
}

/* ---- top-level domains ---- */

/*
 * twitter-text's TLD list (conformance/tld_lib.yml: generic and country),
 * sorted by byte value for bsearch.
 */
/* clang-format off */
static const char *const tlds[] = {
    "aaa", "aarp", "abarth", "abb", "abbott", "abbvie", "abc", "able", "abogado", "abudhabi", "ac",
    "academy", "accenture", "accountant", "accountants", "aco", "active", "actor", "ad", "adac",
    "ads", "adult", "ae", "aeg", "aero", "aetna", "af", "afamilycompany", "afl", "africa", "ag",
    "agakhan", "agency", "ai", "aig", "aigo", "airbus", "airforce", "airtel", "akdn", "al",
    "alfaromeo", "alibaba", "alipay", "allfinanz", "allstate", "ally", "alsace", "alstom", "am",
    "americanexpress", "americanfamily", "amex", "amfam", "amica", "amsterdam", "an", "analytics",
    "android", "anquan", "anz", "ao", "aol", "apartments", "app", "apple", "aq", "aquarelle", "ar",
    "arab", "aramco", "archi", "army", "arpa", "art", "arte", "as", "asda", "asia", "associates",
    "at", "athleta", "attorney", "au", "auction", "audi", "audible", "audio", "auspost", "author",
    "auto", "autos", "avianca", "aw", "aws", "ax", "axa", "az", "azure", "ba", "baby", "baidu",
    "banamex", "bananarepublic", "band", "bank", "bar", "barcelona", "barclaycard", "barclays",
    "barefoot", "bargains", "baseball", "basketball", "bauhaus", "bayern", "bb", "bbc", "bbt",
    "bbva", "bcg", "bcn", "bd", "be", "beats", "beauty", "beer", "bentley", "berlin", "best",
    "bestbuy", "bet", "bf", "bg", "bh", "bharti", "bi", "bible", "bid", "bike", "bing", "bingo",
    "bio", "biz", "bj", "bl", "black", "blackfriday", "blanco", "blockbuster", "blog", "bloomberg",
    "blue", "bm", "bms", "bmw", "bn", "bnl", "bnpparibas", "bo", "boats", "boehringer", "bofa",
    "bom", "bond", "boo", "book", "booking", "boots", "bosch", "bostik", "boston", "bot",
    "boutique", "box", "bq", "br", "bradesco", "bridgestone", "broadway", "broker", "brother",
    "brussels", "bs", "bt", "budapest", "bugatti", "build", "builders", "business", "buy", "buzz",
    "bv", "bw", "by", "bz", "bzh", "ca", "cab", "cafe", "cal", "call", "calvinklein", "cam",
    "camera", "camp", "cancerresearch", "canon", "capetown", "capital", "capitalone", "car",
    "caravan", "cards", "care", "career", "careers", "cars", "cartier", "casa", "case", "caseih",
    "cash", "casino", "cat", "catering", "catholic", "cba", "cbn", "cbre", "cbs", "cc", "cd", "ceb",
    "center", "ceo", "cern", "cf", "cfa", "cfd", "cg", "ch", "chanel", "channel", "charity",
    "chase", "chat", "cheap", "chintai", "chloe", "christmas", "chrome", "chrysler", "church", "ci",
    "cipriani", "circle", "cisco", "citadel", "citi", "citic", "city", "cityeats", "ck", "cl",
    "claims", "cleaning", "click", "clinic", "clinique", "clothing", "cloud", "club", "clubmed",
    "cm", "cn", "co", "coach", "codes", "coffee", "college", "cologne", "com", "comcast",
    "commbank", "community", "company", "compare", "computer", "comsec", "condos", "construction",
    "consulting", "contact", "contractors", "cooking", "cookingchannel", "cool", "coop", "corsica",
    "country", "coupon", "coupons", "courses", "cpa", "cr", "credit", "creditcard", "creditunion",
    "cricket", "crown", "crs", "cruise", "cruises", "csc", "cu", "cuisinella", "cv", "cw", "cx",
    "cy", "cymru", "cyou", "cz", "dabur", "dad", "dance", "data", "date", "dating", "datsun", "day",
    "dclk", "dds", "de", "deal", "dealer", "deals", "degree", "delivery", "dell", "deloitte",
    "delta", "democrat", "dental", "dentist", "desi", "design", "dev", "dhl", "diamonds", "diet",
    "digital", "direct", "directory", "discount", "discover", "dish", "diy", "dj", "dk", "dm",
    "dnp", "do", "docs", "doctor", "dodge", "dog", "doha", "domains", "doosan", "dot", "download",
    "drive", "dtv", "dubai", "duck", "dunlop", "duns", "dupont", "durban", "dvag", "dvr", "dz",
    "earth", "eat", "ec", "eco", "edeka", "edu", "education", "ee", "eg", "eh", "email", "emerck",
    "energy", "engineer", "engineering", "enterprises", "epost", "epson", "equipment", "er",
    "ericsson", "erni", "es", "esq", "estate", "esurance", "et", "etisalat", "eu", "eurovision",
    "eus", "events", "everbank", "exchange", "expert", "exposed", "express", "extraspace", "fage",
    "fail", "fairwinds", "faith", "family", "fan", "fans", "farm", "farmers", "fashion", "fast",
    "fedex", "feedback", "ferrari", "ferrero", "fi", "fiat", "fidelity", "fido", "film", "final",
    "finance", "financial", "fire", "firestone", "firmdale", "fish", "fishing", "fit", "fitness",
    "fj", "fk", "flickr", "flights", "flir", "florist", "flowers", "flsmidth", "fly", "fm", "fo",
    "foo", "food", "foodnetwork", "football", "ford", "forex", "forsale", "forum", "foundation",
    "fox", "fr", "free", "fresenius", "frl", "frogans", "frontdoor", "frontier", "ftr", "fujitsu",
    "fujixerox", "fun", "fund", "furniture", "futbol", "fyi", "ga", "gal", "gallery", "gallo",
    "gallup", "game", "games", "gap", "garden", "gay", "gb", "gbiz", "gd", "gdn", "ge", "gea",
    "gent", "genting", "george", "gf", "gg", "ggee", "gh", "gi", "gift", "gifts", "gives", "giving",
    "gl", "glade", "glass", "gle", "global", "globo", "gm", "gmail", "gmbh", "gmo", "gmx", "gn",
    "godaddy", "gold", "goldpoint", "golf", "goo", "goodhands", "goodyear", "goog", "google", "gop",
    "got", "gov", "gp", "gq", "gr", "grainger", "graphics", "gratis", "green", "gripe", "grocery",
    "group", "gs", "gt", "gu", "guardian", "gucci", "guge", "guide", "guitars", "guru", "gw", "gy",
    "hair", "hamburg", "hangout", "haus", "hbo", "hdfc", "hdfcbank", "health", "healthcare", "help",
    "helsinki", "here", "hermes", "hgtv", "hiphop", "hisamitsu", "hitachi", "hiv", "hk", "hkt",
    "hm", "hn", "hockey", "holdings", "holiday", "homedepot", "homegoods", "homes", "homesense",
    "honda", "honeywell", "horse", "hospital", "host", "hosting", "hot", "hoteles", "hotels",
    "hotmail", "house", "how", "hr", "hsbc", "ht", "htc", "hu", "hughes", "hyatt", "hyundai", "ibm",
    "icbc", "ice", "icu", "id", "ie", "ieee", "ifm", "iinet", "ikano", "il", "im", "imamat", "imdb",
    "immo", "immobilien", "in", "inc", "industries", "infiniti", "info", "ing", "ink", "institute",
    "insurance", "insure", "int", "intel", "international", "intuit", "investments", "io",
    "ipiranga", "iq", "ir", "irish", "is", "iselect", "ismaili", "ist", "istanbul", "it", "itau",
    "itv", "iveco", "iwc", "jaguar", "java", "jcb", "jcp", "je", "jeep", "jetzt", "jewelry", "jio",
    "jlc", "jll", "jm", "jmp", "jnj", "jo", "jobs", "joburg", "jot", "joy", "jp", "jpmorgan",
    "jprs", "juegos", "juniper", "kaufen", "kddi", "ke", "kerryhotels", "kerrylogistics",
    "kerryproperties", "kfh", "kg", "kh", "ki", "kia", "kim", "kinder", "kindle", "kitchen", "kiwi",
    "km", "kn", "koeln", "komatsu", "kosher", "kp", "kpmg", "kpn", "kr", "krd", "kred", "kuokgroup",
    "kw", "ky", "kyoto", "kz", "la", "lacaixa", "ladbrokes", "lamborghini", "lamer", "lancaster",
    "lancia", "lancome", "land", "landrover", "lanxess", "lasalle", "lat", "latino", "latrobe",
    "law", "lawyer", "lb", "lc", "lds", "lease", "leclerc", "lefrak", "legal", "lego", "lexus",
    "lgbt", "li", "liaison", "lidl", "life", "lifeinsurance", "lifestyle", "lighting", "like",
    "lilly", "limited", "limo", "lincoln", "linde", "link", "lipsy", "live", "living", "lixil",
    "lk", "llc", "llp", "loan", "loans", "locker", "locus", "loft", "lol", "london", "lotte",
    "lotto", "love", "lpl", "lplfinancial", "lr", "ls", "lt", "ltd", "ltda", "lu", "lundbeck",
    "lupin", "luxe", "luxury", "lv", "ly", "ma", "macys", "madrid", "maif", "maison", "makeup",
    "man", "management", "mango", "map", "market", "marketing", "markets", "marriott", "marshalls",
    "maserati", "mattel", "mba", "mc", "mcd", "mcdonalds", "mckinsey", "md", "me", "med", "media",
    "meet", "melbourne", "meme", "memorial", "men", "menu", "meo", "merckmsd", "metlife", "mf",
    "mg", "mh", "miami", "microsoft", "mil", "mini", "mint", "mit", "mitsubishi", "mk", "ml", "mlb",
    "mls", "mm", "mma", "mn", "mo", "mobi", "mobile", "mobily", "moda", "moe", "moi", "mom",
    "monash", "money", "monster", "montblanc", "mopar", "mormon", "mortgage", "moscow", "moto",
    "motorcycles", "mov", "movie", "movistar", "mp", "mq", "mr", "ms", "msd", "mt", "mtn", "mtpc",
    "mtr", "mu", "museum", "mutual", "mutuelle", "mv", "mw", "mx", "my", "mz", "na", "nab", "nadex",
    "nagoya", "name", "nationwide", "natura", "navy", "nba", "nc", "ne", "nec", "net", "netbank",
    "netflix", "network", "neustar", "new", "newholland", "news", "next", "nextdirect", "nexus",
    "nf", "nfl", "ng", "ngo", "nhk", "ni", "nico", "nike", "nikon", "ninja", "nissan", "nissay",
    "nl", "no", "nokia", "northwesternmutual", "norton", "now", "nowruz", "nowtv", "np", "nr",
    "nra", "nrw", "ntt", "nu", "nyc", "nz", "obi", "observer", "off", "office", "okinawa", "olayan",
    "olayangroup", "oldnavy", "ollo", "om", "omega", "one", "ong", "onion", "onl", "online",
    "onyourside", "ooo", "open", "oracle", "orange", "org", "organic", "orientexpress", "origins",
    "osaka", "otsuka", "ott", "ovh", "pa", "page", "pamperedchef", "panasonic", "panerai", "paris",
    "pars", "partners", "parts", "party", "passagens", "pay", "pccw", "pe", "pet", "pf", "pfizer",
    "pg", "ph", "pharmacy", "phd", "philips", "phone", "photo", "photography", "photos", "physio",
    "piaget", "pics", "pictet", "pictures", "pid", "pin", "ping", "pink", "pioneer", "pizza", "pk",
    "pl", "place", "play", "playstation", "plumbing", "plus", "pm", "pn", "pnc", "pohl", "poker",
    "politie", "porn", "post", "pr", "pramerica", "praxi", "press", "prime", "pro", "prod",
    "productions", "prof", "progressive", "promo", "properties", "property", "protection", "pru",
    "prudential", "ps", "pt", "pub", "pw", "pwc", "py", "qa", "qpon", "quebec", "quest", "qvc",
    "racing", "radio", "raid", "re", "read", "realestate", "realtor", "realty", "recipes", "red",
    "redstone", "redumbrella", "rehab", "reise", "reisen", "reit", "reliance", "ren", "rent",
    "rentals", "repair", "report", "republican", "rest", "restaurant", "review", "reviews",
    "rexroth", "rich", "richardli", "ricoh", "rightathome", "ril", "rio", "rip", "rmit", "ro",
    "rocher", "rocks", "rodeo", "rogers", "room", "rs", "rsvp", "ru", "rugby", "ruhr", "run", "rw",
    "rwe", "ryukyu", "sa", "saarland", "safe", "safety", "sakura", "sale", "salon", "samsclub",
    "samsung", "sandvik", "sandvikcoromant", "sanofi", "sap", "sapo", "sarl", "sas", "save", "saxo",
    "sb", "sbi", "sbs", "sc", "sca", "scb", "schaeffler", "schmidt", "scholarships", "school",
    "schule", "schwarz", "science", "scjohnson", "scor", "scot", "sd", "se", "search", "seat",
    "secure", "security", "seek", "select", "sener", "services", "ses", "seven", "sew", "sex",
    "sexy", "sfr", "sg", "sh", "shangrila", "sharp", "shaw", "shell", "shia", "shiksha", "shoes",
    "shop", "shopping", "shouji", "show", "showtime", "shriram", "si", "silk", "sina", "singles",
    "site", "sj", "sk", "ski", "skin", "sky", "skype", "sl", "sling", "sm", "smart", "smile", "sn",
    "sncf", "so", "soccer", "social", "softbank", "software", "sohu", "solar", "solutions", "song",
    "sony", "soy", "space", "spiegel", "sport", "spot", "spreadbetting", "sr", "srl", "srt", "ss",
    "st", "stada", "staples", "star", "starhub", "statebank", "statefarm", "statoil", "stc",
    "stcgroup", "stockholm", "storage", "store", "stream", "studio", "study", "style", "su",
    "sucks", "supplies", "supply", "support", "surf", "surgery", "suzuki", "sv", "swatch",
    "swiftcover", "swiss", "sx", "sy", "sydney", "symantec", "systems", "sz", "tab", "taipei",
    "talk", "taobao", "target", "tatamotors", "tatar", "tattoo", "tax", "taxi", "tc", "tci", "td",
    "tdk", "team", "tech", "technology", "tel", "telecity", "telefonica", "temasek", "tennis",
    "teva", "tf", "tg", "th", "thd", "theater", "theatre", "tiaa", "tickets", "tienda", "tiffany",
    "tips", "tires", "tirol", "tj", "tjmaxx", "tjx", "tk", "tkmaxx", "tl", "tm", "tmall", "tn",
    "to", "today", "tokyo", "tools", "top", "toray", "toshiba", "total", "tours", "town", "toyota",
    "toys", "tp", "tr", "trade", "trading", "training", "travel", "travelchannel", "travelers",
    "travelersinsurance", "trust", "trv", "tt", "tube", "tui", "tunes", "tushu", "tv", "tvs", "tw",
    "tz", "ua", "ubank", "ubs", "uconnect", "ug", "uk", "um", "unicom", "university", "uno", "uol",
    "ups", "us", "uy", "uz", "va", "vacations", "vana", "vanguard", "vc", "ve", "vegas", "ventures",
    "verisign", "vermögensberater", "vermögensberatung", "versicherung", "vet", "vg", "vi",
    "viajes", "video", "vig", "viking", "villas", "vin", "vip", "virgin", "visa", "vision", "vista",
    "vistaprint", "viva", "vivo", "vlaanderen", "vn", "vodka", "volkswagen", "volvo", "vote",
    "voting", "voto", "voyage", "vu", "vuelos", "wales", "walmart", "walter", "wang", "wanggou",
    "warman", "watch", "watches", "weather", "weatherchannel", "webcam", "weber", "website", "wed",
    "wedding", "weibo", "weir", "wf", "whoswho", "wien", "wiki", "williamhill", "win", "windows",
    "wine", "winners", "wme", "wolterskluwer", "woodside", "work", "works", "world", "wow", "ws",
    "wtc", "wtf", "xbox", "xerox", "xfinity", "xihuan", "xin", "xperia", "xxx", "xyz", "yachts",
    "yahoo", "yamaxun", "yandex", "ye", "yodobashi", "yoga", "yokohama", "you", "youtube", "yt",
    "yun", "za", "zappos", "zara", "zero", "zip", "zippo", "zm", "zone", "zuerich", "zw", "ελ",
    "ευ", "бг", "бел", "дети", "ею", "католик", "ком", "мкд", "мон", "москва", "онлайн", "орг",
    "рус", "рф", "сайт", "срб", "укр", "қаз", "հայ", "קום", "ابوظبي", "اتصالات", "ارامكو", "الاردن",
    "البحرين", "الجزائر", "السعودية", "العليان", "المغرب", "امارات", "ایران", "بارت", "بازار",
    "بيتك", "بھارت", "تونس", "سودان", "سورية", "شبكة", "عراق", "عرب", "عمان", "فلسطين", "قطر",
    "كاثوليك", "كوم", "مصر", "مليسيا", "موبايلي", "موريتانيا", "موقع", "همراه", "پاکستان", "ڀارت",
    "कॉम", "नेट", "भारत", "भारतम्", "भारोत", "संगठन", "বাংলা", "ভারত", "ভাৰত", "ਭਾਰਤ", "ભારત",
    "ଭାରତ", "இந்தியா", "இலங்கை", "சிங்கப்பூர்", "భారత్", "ಭಾರತ", "ഭാരതം", "ලංකා", "คอม", "ไทย",
    "ລາວ", "გე", "みんな", "クラウド", "グーグル", "コム", "ストア", "セール", "ファッション", "ポイント", "世界", "中信", "中国",
    "中國", "中文网", "企业", "佛山", "信息", "健康", "八卦", "公司", "公益", "台湾", "台灣", "商城", "商店", "商标", "嘉里",
    "嘉里大酒店", "在线", "大众汽车", "大拿", "天主教", "娱乐", "家電", "工行", "广东", "微博", "慈善", "我爱你", "手机", "手表", "招聘",
    "政务", "政府", "新加坡", "新闻", "时尚", "書籍", "机构", "淡马锡", "游戏", "澳門", "点看", "珠宝", "移动", "组织机构", "网址",
    "网店", "网站", "网络", "联通", "诺基亚", "谷歌", "购物", "通販", "集团", "電訊盈科", "飞利浦", "食品", "餐厅", "香格里拉", "香港",
    "닷넷", "닷컴", "삼성", "한국",
};
/* clang-format on */

#define TLD_MAX_CPS 18 /* the longest entry, in code points */

static int tld_cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int tld_known(const char *s)
{
    return bsearch(s, tlds, sizeof tlds / sizeof tlds[0], sizeof tlds[0], tld_cmp) != NULL;
}

/* 1 if a TLD ending before c is complete: c is no ASCII letter or digit, '@', '+' or '-'. */
static int tld_ends_before(const int32_t *cp, size_t n, size_t i)
{
    return i >= n || !(is_alnum(cp[i]) || cp[i] == '@' || cp[i] == '+' || cp[i] == '-');
}

/*
 * The length of the TLD at cp[t..]: the longest listed one (ASCII case
 * ignored) that ends where a TLD may end; else, when punycode is allowed,
 * "xn--" and letters, digits, '-'.  0 if none.
 */
static size_t tld_at(const int32_t *cp, size_t n, size_t t, int punycode)
{
    char buf[TLD_MAX_CPS * 4 + 1];
    size_t off[TLD_MAX_CPS + 1], max = 0;
    off[0] = 0;
    while (max < TLD_MAX_CPS && t + max < n && cp[t + max] != '.') {
        utf8proc_ssize_t l =
            utf8proc_encode_char(ascii_lower(cp[t + max]), (utf8proc_uint8_t *)buf + off[max]);
        off[max + 1] = off[max] + (size_t)l;
        max++;
    }
    for (size_t l = max; l > 0; l--) {
        if (!tld_ends_before(cp, n, t + l))
            continue;
        buf[off[l]] = '\0';
        if (tld_known(buf))
            return l;
    }
    if (punycode && t + 4 < n && ascii_lower(cp[t]) == 'x' && ascii_lower(cp[t + 1]) == 'n' &&
        cp[t + 2] == '-' && cp[t + 3] == '-') {
        size_t e = t + 4;
        while (e < n && (is_alnum(cp[e]) || cp[e] == '-'))
            e++;
        if (e > t + 4 && tld_ends_before(cp, n, e))
            return e - t;
    }
    return 0;
}

/* ---- domains ---- */

/* The state of one URL scan over the NFC code points; SIZE_MAX marks "not known yet". */
typedef struct scan {
    const int32_t *cp;
    size_t n;
    size_t *memo;     /* per label start: end of the ASCII domain starting there, or 0 */
    size_t *stack;    /* label starts waiting for their memo */
    size_t *run_end;  /* per label character: end of its run of label characters */
    size_t *first_us; /* per label character: the first '_' from there in its run, or run end */
} scan;

/* A character of an ASCII domain label (URL_VALID_CHARS). */
static int domain_char(int32_t c)
{
    return is_alnum(c) || is_latin_accent(c);
}

/* A character of an ASCII domain label, first and last character excepted. */
static int label_char(int32_t c)
{
    return domain_char(c) || c == '-' || c == '_';
}

/*
 * Note run_end and first_us for the run of label characters through cp[s],
 * from s on.  Each position is filled once, so finding labels from every
 * possible start stays linear.
 */
static void fill_run(scan *sc, size_t s)
{
    size_t e = s;
    while (e < sc->n && sc->run_end[e] == SIZE_MAX && label_char(sc->cp[e]))
        e++;
    int known = e < sc->n && sc->run_end[e] != SIZE_MAX;
    size_t end = known ? sc->run_end[e] : e, us = known ? sc->first_us[e] : e;
    for (size_t i = e; i-- > s;) {
        if (sc->cp[i] == '_')
            us = i;
        sc->run_end[i] = end;
        sc->first_us[i] = us;
    }
}

/*
 * The '.' ending the label that starts at cp[s] (a domain character, then
 * domain characters, '-' and '_', ending in a domain character), or 0 if
 * there is none; *underscore tells whether it holds '_'.
 */
static size_t label_dot(scan *sc, size_t s, int *underscore)
{
    const int32_t *cp = sc->cp;
    if (s >= sc->n || !domain_char(cp[s]))
        return 0;
    if (sc->run_end[s] == SIZE_MAX)
        fill_run(sc, s);
    size_t e = sc->run_end[s];
    if (e >= sc->n || cp[e] != '.' || !domain_char(cp[e - 1]))
        return 0;
    *underscore = sc->first_us[s] < e;
    return e;
}

/*
 * The end of the ASCII domain starting at s, or 0: subdomains, a domain
 * name and a TLD, with as many labels as work (the regex's greedy choice).
 * From one label start the answer is the next label's answer if it has one,
 * else this label followed by a TLD; memoised so a long run of labels costs
 * linear time over the whole scan.
 */
static size_t domain_ascii(scan *sc, size_t s)
{
    const int32_t *cp = sc->cp;
    size_t n = sc->n, k = 0, p = s;
    while (p < n && sc->memo[p] == SIZE_MAX) {
        int u;
        size_t dot = label_dot(sc, p, &u);
        if (dot == 0) {
            sc->memo[p] = 0;
            break;
        }
        sc->stack[k++] = p;
        p = dot + 1;
    }
    size_t after = p < n ? sc->memo[p] : 0;
    while (k > 0) {
        size_t q = sc->stack[--k];
        if (after == 0) {
            int u = 0;
            size_t dot = label_dot(sc, q, &u);
            size_t tl = u ? 0 : tld_at(cp, n, dot + 1, 1);
            if (tl > 0)
                after = dot + 1 + tl;
        }
        sc->memo[q] = after;
    }
    return s < n ? sc->memo[s] : 0;
}

/* A character of a non-ASCII domain label after a scheme (URL_VALID_UNICODE_CHARS). */
static int unicode_domain_char(int32_t c)
{
    if (c < 0x80)
        return is_alnum(c);
    utf8proc_category_t cat = utf8proc_category(c);
    return !(cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
             cat == UTF8PROC_CATEGORY_ZP || (c >= 0x2000 && c <= 0x206F));
}

/* After a scheme: one label of any letters ('-' inside) and a listed TLD; its end or 0. */
static size_t domain_unicode(const int32_t *cp, size_t n, size_t s)
{
    if (s >= n || !unicode_domain_char(cp[s]))
        return 0;
    size_t e = s;
    while (e < n && (unicode_domain_char(cp[e]) || cp[e] == '-'))
        e++;
    if (e >= n || cp[e] != '.' || !unicode_domain_char(cp[e - 1]))
        return 0;
    size_t tl = tld_at(cp, n, e + 1, 0);
    return tl > 0 ? e + 1 + tl : 0;
}

/* ---- paths and queries ---- */

static int path_char(int32_t c)
{
    return is_alnum(c) || in_set(c, "!*';:=+,.$/%#[]-_~|&@") || c == 0x2013 || is_latin_accent(c) ||
           is_cyrillic(c);
}

static int path_ending(int32_t c)
{
    return is_alnum(c) || in_set(c, "=_#/-+") || is_latin_accent(c) || is_cyrillic(c);
}

/* The end of a balanced parenthesis group at cp[k] == '(' (one nesting level), or 0. */
static size_t balanced(const int32_t *cp, size_t n, size_t k)
{
    size_t j = k + 1;
    while (j < n && path_char(cp[j]))
        j++;
    if (j < n && cp[j] == ')')
        return j > k + 1 ? j + 1 : 0;
    if (j >= n || cp[j] != '(')
        return 0;
    size_t m = j + 1;
    while (m < n && path_char(cp[m]))
        m++;
    if (m == j + 1 || m >= n || cp[m] != ')')
        return 0;
    m++;
    while (m < n && path_char(cp[m]))
        m++;
    return m < n && cp[m] == ')' ? m + 1 : 0;
}

/* The end of a path whose '/' is at cp[k]: the '/' and the longest run that ends well. */
static size_t path_end(const int32_t *cp, size_t n, size_t k)
{
    size_t m = k + 1, end = k + 1;
    while (m < n) {
        if (cp[m] == '(') {
            size_t b = balanced(cp, n, m);
            if (b == 0)
                break;
            m = end = b;
            continue;
        }
        if (!path_char(cp[m]))
            break;
        if (path_ending(cp[m]))
            end = m + 1;
        m++;
    }
    return end;
}

static int query_char(int32_t c)
{
    return is_alnum(c) || in_set(c, "!?*'@();:&=+$/%#[]-_.,~|");
}

static int query_ending(int32_t c)
{
    return is_alnum(c) || in_set(c, "-_&=#/");
}

/* The end of a query whose '?' is at cp[k] (at most to limit), or k if it has none. */
static size_t query_end(const int32_t *cp, size_t limit, size_t k)
{
    size_t end = k;
    for (size_t m = k + 1; m < limit && query_char(cp[m]); m++)
        if (query_ending(cp[m]))
            end = m + 1;
    return end;
}

/* ---- URLs ---- */

/* One regex match. */
typedef struct url_match {
    size_t start, end;     /* the URL cp[start..end) */
    size_t host_s, host_e; /* its host */
    size_t scheme;         /* length of "http(s)://", 0 if none */
} url_match;

/* The length of "http://" or "https://" (any case) at cp[u], or 0. */
static size_t scheme_at(const int32_t *cp, size_t n, size_t u)
{
    static const char http[] = "http";
    size_t i = 0;
    while (i < 4 && u + i < n && ascii_lower(cp[u + i]) == http[i])
        i++;
    if (i < 4)
        return 0;
    if (u + i < n && ascii_lower(cp[u + i]) == 's')
        i++;
    if (u + i + 2 < n && cp[u + i] == ':' && cp[u + i + 1] == '/' && cp[u + i + 2] == '/')
        return i + 3;
    return 0;
}

/* Match the URL part of the regex at cp[u]; 1 and *m, or 0. */
static int match_url(scan *sc, size_t u, url_match *m)
{
    const int32_t *cp = sc->cp;
    size_t n = sc->n;
    size_t sl = scheme_at(cp, n, u), host = u + sl, k = 0;
    if (sl > 0) {
        k = domain_ascii(sc, host);
        if (k == 0)
            k = domain_unicode(cp, n, host);
    }
    if (k == 0) {
        sl = 0;
        host = u;
        k = domain_ascii(sc, u);
    }
    if (k == 0)
        return 0;
    m->start = u;
    m->scheme = sl;
    m->host_s = host;
    m->host_e = k;
    if (k + 1 < n && cp[k] == ':' && is_digit(cp[k + 1])) {
        k++;
        while (k < n && is_digit(cp[k]))
            k++;
    }
    if (k < n && cp[k] == '/')
        k = path_end(cp, n, k);
    if (k < n && cp[k] == '?')
        k = query_end(cp, n, k);
    m->end = k;
    return 1;
}

/* The Bootstring parameters of punycode (RFC 3492). */
enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

static uint64_t punycode_adapt(uint64_t delta, uint64_t points, int first)
{
    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / points;
    uint64_t k = 0;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* The length of the punycode encoding of in[0..len) (without "xn--"); len is small. */
static size_t punycode_len(const int32_t *in, size_t len)
{
    size_t basic = 0;
    for (size_t i = 0; i < len; i++)
        basic += in[i] < 0x80;
    size_t out = basic + (basic > 0), h = basic;
    uint64_t cur = 0x80, delta = 0, bias = 72;
    while (h < len) {
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < len; i++)
            if ((uint64_t)in[i] >= cur && (uint64_t)in[i] < next)
                next = (uint64_t)in[i];
        delta += (next - cur) * (h + 1);
        cur = next;
        for (size_t i = 0; i < len; i++) {
            if ((uint64_t)in[i] < cur)
                delta++;
            if ((uint64_t)in[i] != cur)
                continue;
            uint64_t q = delta;
            for (uint64_t k = PC_BASE;; k += PC_BASE) {
                uint64_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
                if (q < t)
                    break;
                out++;
                q = (q - t) / (PC_BASE - t);
            }
            out++;
            bias = punycode_adapt(delta, h + 1, h == basic);
            delta = 0;
            h++;
        }
        delta++;
        cur++;
    }
    return out;
}

/*
 * Extractor.isValidHostAndLength: every host label 1-63 characters once
 * punycode-encoded (non-ASCII labels become "xn--..."; a non-ASCII label may
 * not already start with "xn--"), and the URL, its host so encoded, at most
 * 4096 UTF-16 units, counting "https://" when it has no scheme.
 */
static int url_acceptable(const int32_t *cp, const url_match *m, size_t end)
{
    size_t host_len = 0;
    for (size_t p = m->host_s; p < m->host_e;) {
        size_t q = p;
        int ascii = 1;
        while (q < m->host_e && cp[q] != '.') {
            if (is_invalid(cp[q]))
                return 0;
            ascii &= cp[q] < 0x80;
            q++;
        }
        size_t l = q - p;
        if (!ascii) {
            if (l > 59 || (l >= 4 && ascii_lower(cp[p]) == 'x' && ascii_lower(cp[p + 1]) == 'n' &&
                           cp[p + 2] == '-' && cp[p + 3] == '-'))
                return 0;
            l = 4 + punycode_len(cp + p, l);
        }
        if (l < 1 || l > 63)
            return 0;
        host_len += l + (q < m->host_e);
        p = q + 1;
    }
    size_t total = utf16_len(cp, m->start, end) - utf16_len(cp, m->host_s, m->host_e) + host_len;
    return total + (m->scheme > 0 ? 0 : 8) <= 4096;
}

/*
 * If the URL is a t.co link (scheme, "t.co/", a slug of ASCII letters and
 * digits, an optional query), the end of that link, else 0; *too_long is set
 * when the slug is over 40 characters.
 */
static size_t tco_end(const int32_t *cp, const url_match *m, int *too_long)
{
    size_t j = m->start + m->scheme;
    if (m->scheme == 0 || m->end - j < 6 || ascii_lower(cp[j]) != 't' || cp[j + 1] != '.' ||
        ascii_lower(cp[j + 2]) != 'c' || ascii_lower(cp[j + 3]) != 'o' || cp[j + 4] != '/')
        return 0;
    size_t s = j + 5, e = s;
    while (e < m->end && is_alnum(cp[e]))
        e++;
    if (e == s)
        return 0;
    *too_long = e - s > 40;
    if (e < m->end && cp[e] == '?')
        e = query_end(cp, m->end, e);
    return e;
}

/* ends[i] = the end of the URL starting at cp[i], or 0; the number of URLs. */
static int find_urls(scan *sc, size_t *ends)
{
    const int32_t *cp = sc->cp;
    size_t n = sc->n;
    int count = 0;
    for (size_t k = 0; k < n;) {
        url_match m;
        int before; /* a character before the URL is part of the match */
        if (k + 1 < n &&
            (is_directional(cp[k]) ||
             !(is_alnum(cp[k]) || cp[k] == '@' || cp[k] == 0xFF20 || cp[k] == '$' || cp[k] == '#' ||
               cp[k] == 0xFF03 || is_invalid(cp[k]))) &&
            match_url(sc, k + 1, &m))
            before = 1;
        else if (k == 0 && match_url(sc, 0, &m))
            before = 0;
        else {
            k++;
            continue;
        }
        k = m.end;
        if (m.scheme == 0 && before && in_set(cp[m.start - 1], "-_./"))
            continue;
        size_t end = m.end;
        int too_long = 0;
        size_t t = tco_end(cp, &m, &too_long);
        if (too_long)
            continue;
        if (t > 0)
            end = t;
        if (!url_acceptable(cp, &m, end))
            continue;
        ends[m.start] = end;
        count++;
    }
    return count;
}

/* ---- emoji ---- */

static int is_pict(int32_t c)
{
    return utf8proc_get_property(c)->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC;
}

static int is_ri(int32_t c)
{
    return c >= 0x1F1E6 && c <= 0x1F1FF;
}

static int is_skin_tone(int32_t c)
{
    return c >= 0x1F3FB && c <= 0x1F3FF;
}

static int is_tag(int32_t c)
{
    return c >= 0xE0020 && c <= 0xE007E;
}

/* One emoji element at cp[i] (a pictograph) with what may follow it: its end. */
static size_t element_end(const int32_t *cp, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && cp[j] == 0xFE0F)
        j++;
    if (j < n && is_skin_tone(cp[j]))
        j++;
    if (j < n && is_tag(cp[j])) {
        while (j < n && is_tag(cp[j]))
            j++;
        if (j < n && cp[j] == 0xE007F)
            j++;
    }
    return j;
}

/* The most pictographs a ZWJ sequence joins (the family and kiss sequences have 4). */
#define EMOJI_MAX_JOINED 4

/* The length of an emoji sequence at cp[i], or 0. */
static size_t emoji_at(const int32_t *cp, size_t n, size_t i)
{
    int32_t c = cp[i];
    if (is_digit(c) || c == '#' || c == '*') {
        if (i + 2 < n && cp[i + 1] == 0xFE0F && cp[i + 2] == 0x20E3)
            return 3;
        return i + 1 < n && cp[i + 1] == 0x20E3 ? 2 : 0;
    }
    if (is_ri(c))
        return i + 1 < n && is_ri(cp[i + 1]) ? 2 : 1;
    if (is_skin_tone(c))
        return 1;
    if (!is_pict(c))
        return 0;
    int needs_vs16 = c == 0xA9 || c == 0xAE || c == 0x2122 || c == 0x265F;
    if (needs_vs16 && !(i + 1 < n && cp[i + 1] == 0xFE0F))
        return 0;
    if (i + 1 < n && cp[i + 1] == 0xFE0E)
        return 0;
    size_t j = element_end(cp, n, i);
    for (int joined = 1;
         joined < EMOJI_MAX_JOINED && j + 1 < n && cp[j] == 0x200D && is_pict(cp[j + 1]); joined++)
        j = element_end(cp, n, j + 1);
    return j - i;
}

/* ends[i] = the end of the emoji sequence starting at cp[i], or 0. */
static void find_emoji(const int32_t *cp, size_t n, size_t *ends)
{
    for (size_t i = 0; i < n;) {
        size_t l = emoji_at(cp, n, i);
        if (l > 0) {
            ends[i] = i + l;
            i += l;
        } else {
            i++;
        }
    }
}

/* ---- counting ---- */

static int weight(int32_t c)
{
    if ((c >= 0 && c <= 4351) || (c >= 8192 && c <= 8205) || (c >= 8208 && c <= 8223) ||
        (c >= 8242 && c <= 8247))
        return 1;
    return 2;
}

/*
 * NFC the text into *cps and find its URLs: (*urls)[i] is the end of the URL
 * starting at code point i, or 0; *nurls their number.  *urls is a block of
 * 5 * (n + 1) entries, the rest scratch the caller may reuse.  Both are
 * malloc'd for the caller to free.  The number of code points n, or -1 (not
 * UTF-8) or -2 (out of memory), with both NULL.
 */
static long analyse(const char *utf8, size_t len, int32_t **cps, size_t **urls, int *nurls)
{
    *cps = NULL;
    *urls = NULL;
    if (len > (size_t)INT_MAX / 4)
        return -2;
    long nl = text_nfc(utf8, len, cps);
    if (nl < 0)
        return nl;
    size_t n = (size_t)nl;
    /* URL ends, then the scan's four arrays: n + 1 entries each. */
    size_t *mem = n < SIZE_MAX / (5 * sizeof *mem) - 1 ? malloc(5 * (n + 1) * sizeof *mem) : NULL;
    if (mem == NULL) {
        free(*cps);
        *cps = NULL;
        return -2;
    }
    memset(mem, 0, (n + 1) * sizeof *mem);
    for (size_t i = n + 1; i < 5 * (n + 1); i++)
        mem[i] = SIZE_MAX;
    size_t *a = mem + n + 1;
    scan sc = {*cps, n, a, a + (n + 1), a + 2 * (n + 1), a + 3 * (n + 1)};
    *nurls = find_urls(&sc, mem);
    *urls = mem;
    return nl;
}

int xtext_weighted(const char *utf8, size_t len, xtext_count *out)
{
    xtext_count k = {0, 0, 0, 0};
    if (out != NULL)
        *out = k;
    int32_t *cp;
    size_t *urls;
    long nl = analyse(utf8, len, &cp, &urls, &k.urls);
    if (nl < 0)
        return (int)nl;
    size_t n = (size_t)nl;
    size_t *emoji = urls + n + 1; /* scratch after the URL ends */
    memset(emoji, 0, (n + 1) * sizeof *emoji);
    find_emoji(cp, n, emoji);
    int valid = 1;
    for (size_t i = 0; i < n;) {
        size_t next;
        if (urls[i] > 0) {
            k.weighted += XTEXT_URL_WEIGHT;
            next = urls[i];
        } else if (emoji[i] > 0) {
            k.weighted += 2;
            k.emoji++;
            next = emoji[i];
        } else {
            k.weighted += weight(cp[i]);
            next = i + 1;
        }
        /* As parseTweet: the last code point of each step is checked. */
        valid &= !is_invalid(cp[next - 1]);
        i = next;
    }
    k.valid = valid && k.weighted > 0 && k.weighted <= XTEXT_MAX;
    free(urls);
    free(cp);
    if (out != NULL)
        *out = k;
    return k.weighted;
}

char *xtext_tco_text(const char *utf8, size_t len)
{
    int32_t *cp;
    size_t *urls;
    int nurls;
    long nl = analyse(utf8, len, &cp, &urls, &nurls);
    if (nl < 0)
        return NULL;
    size_t n = (size_t)nl, o = 0;
    /* A code point takes at most 4 bytes; a URL (4 code points or more) becomes 23. */
    char *s = malloc(n * 6 + XTEXT_URL_WEIGHT + 1);
    if (s == NULL)
        goto out;
    static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (size_t i = 0; i < n;) {
        if (urls[i] > 0) {
            uint64_t h = 1469598103934665603ULL; /* FNV-1a over the URL's code points */
            for (size_t j = i; j < urls[i]; j++)
                h = (h ^ (uint64_t)cp[j]) * 1099511628211ULL;
            memcpy(s + o, "https://t.co/", 13);
            for (int j = 0; j < 10; j++) {
                s[o + 13 + (size_t)j] = alnum[h % 62];
                h = h / 62 + (uint64_t)j * 7919u;
            }
            o += XTEXT_URL_WEIGHT;
            i = urls[i];
            continue;
        }
        o += (size_t)utf8proc_encode_char(cp[i], (utf8proc_uint8_t *)s + o);
        i++;
    }
    s[o] = '\0';
out:
    free(urls);
    free(cp);
    return s;
}
