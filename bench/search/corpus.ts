/**
 * Synthetic chat text for the search scenario: mixed English, Chinese and Japanese messages drawn
 * from a vocabulary of a few thousand words with a Zipf-like distribution (the n-th most common
 * word about 1/n as frequent as the first), so the index sees a realistic spread of common and
 * rare terms. The head of each language is real words; the English tail is made of pronounceable
 * syllable words (rare names, jargon), since a real tail would need a dictionary file. Seeded:
 * every run indexes the same text. Runs in Node and in the page (no Node or DOM APIs).
 */

const EN_COMMON = `the to and a of you i it is that in for on we this be have are with do not
can at will so just but was me my your what if all get about they up out like know there no one
time now go think good see when how yes ok okay would make today tomorrow meeting call back work
project team need new thanks thank please sure let us send sent message chat later morning night
week weekend friday monday sunday lunch dinner coffee office home phone photo photos picture video
file files document report review deploy release build test tests server client bug fix issue
ticket update updated check checked looks great nice sorry late early soon again still already
really maybe something anything everyone someone people friend friends family mom dad kids school
train bus flight airport hotel trip travel ticket booking restaurant menu order delivery price
money pay paid bill budget plan plans schedule calendar agenda notes slides design draft version
feedback question answer problem idea ideas decision customer customers sales marketing product
launch weather rain sunny cold hot birthday party gift movie music game games play played football
doctor hospital medicine sleep tired busy free happy sad funny crazy awesome perfect important
urgent quick quickly minutes hours later tonight yesterday address map location station street
downtown parking car drive driving walk running gym shopping store market groceries kitchen recipe
pizza noodles sushi tea beer wine water bread cake chocolate apartment rent contract lawyer bank
account password login laptop keyboard screen battery charger network wifi internet database
backup migration dashboard metrics latency memory performance benchmark search index query`
  .split(/\s+/)
  .filter(Boolean);

const ZH_COMMON = `我们 你们 他们 今天 明天 昨天 现在 时候 会议 开会 项目 工作 公司 同事 老板 客户
问题 时间 地方 朋友 家人 孩子 学校 老师 学生 电话 手机 照片 视频 文件 报告 邮件 消息 微信 周末
上午 下午 晚上 早上 中午 吃饭 午饭 晚饭 咖啡 火锅 饺子 面条 米饭 餐厅 外卖 超市 医院 医生 药
身体 天气 下雨 太阳 出差 旅行 机场 飞机 火车 地铁 高铁 酒店 车票 护照 北京 上海 广州 深圳 杭州
成都 南京 香港 台北 生日 礼物 电影 音乐 游戏 运动 跑步 健身 足球 篮球 购物 价格 发票 预算 计划
安排 通知 确认 准备 完成 开始 结束 已经 还是 可以 应该 需要 知道 觉得 希望 喜欢 谢谢 不好意思
没问题 辛苦 加油 注意 重要 紧急 马上 一起 大家 服务器 数据库 版本 测试 发布 上线 修复 设计 产品
用户 市场 合同 银行 密码 电脑 网络 搜索 性能 内存 延迟 备份 迁移`
  .split(/\s+/)
  .filter(Boolean);

const JA_COMMON = `今日 明日 昨日 会議 打ち合わせ 仕事 会社 資料 確認 連絡 予定 時間 場所 電話 写真
動画 友達 家族 子供 学校 先生 電車 新幹線 駅 東京 大阪 京都 横浜 名古屋 福岡 札幌 空港 ホテル
レストラン ラーメン 寿司 お寿司 コーヒー カフェ ビール お酒 ご飯 昼ご飯 晩ご飯 天気 雨 晴れ
週末 旅行 出張 誕生日 プレゼント 映画 音楽 ゲーム サッカー 野球 買い物 値段 予算 計画 準備
開始 終了 完了 大丈夫 ありがとう よろしく お願いします すみません 了解 お疲れ様 頑張って
大事 急ぎ すぐ 一緒 みんな サーバー データベース バージョン テスト リリース 修正 デザイン
ユーザー お客様 契約 銀行 パスワード パソコン ネットワーク 検索 性能 メモリ バックアップ 病院
薬 元気 楽しい 嬉しい 忙しい 美味しい 新しい 遅い 早い 朝 夜 午後 来週 先週`
  .split(/\s+/)
  .filter(Boolean);

const JA_PARTICLES = ['は', 'が', 'を', 'に', 'で', 'の', 'と', 'も'];
const ONSETS = [
  'b',
  'br',
  'c',
  'ch',
  'd',
  'f',
  'g',
  'gr',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'pl',
  'r',
  's',
  'st',
  't',
  'tr',
  'v',
  'w',
  'z',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', 'n', 'r', 'l', 's', 'st', 'nd', 'ck', 'x', 'm'];

/** Seeded PRNG (mulberry32): the same text on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws from words[] with weight 1/rank (Zipf, s = 1). */
class Zipf {
  private readonly cumulative: Float64Array;
  constructor(
    readonly words: readonly string[],
    private readonly random: () => number,
  ) {
    this.cumulative = new Float64Array(words.length);
    let sum = 0;
    for (let i = 0; i < words.length; i++) this.cumulative[i] = sum += 1 / (i + 1);
  }
  next(): string {
    const x = this.random() * this.cumulative[this.cumulative.length - 1];
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo];
  }
}

export interface Corpus {
  /** A message text. */
  text(): string;
  vocabulary: { english: number; chinese: number; japanese: number };
}

/** English tail words: pronounceable, distinct from the common list. */
function tailWords(random: () => number, count: number, taken: Set<string>): string[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const out: string[] = [];
  while (out.length < count) {
    const syllables = 2 + Math.floor(random() * 2);
    let w = '';
    for (let i = 0; i < syllables; i++) w += pick(ONSETS) + pick(VOWELS);
    w += pick(CODAS);
    if (!taken.has(w)) {
      taken.add(w);
      out.push(w);
    }
  }
  return out;
}

export function corpus(seed = 1): Corpus {
  const random = prng(seed);
  const english = [...new Set(EN_COMMON)];
  const tail = tailWords(random, 3000, new Set(english));
  const en = new Zipf([...english, ...tail], random);
  const zh = new Zipf(ZH_COMMON, random);
  const ja = new Zipf(JA_COMMON, random);
  const length = (min: number, spread: number) => min + Math.floor(random() * random() * spread);
  const words = (z: Zipf, n: number) => Array.from({ length: n }, () => z.next());
  const text = (): string => {
    const lang = random();
    if (lang < 0.6) {
      const w = words(en, length(2, 24));
      // Some English messages carry a Chinese or Japanese word (names, places).
      if (random() < 0.1)
        w.splice(Math.floor(random() * w.length), 0, random() < 0.5 ? zh.next() : ja.next());
      const s = w.join(' ');
      return s[0].toUpperCase() + s.slice(1) + (random() < 0.3 ? '?' : '.');
    }
    if (lang < 0.85) {
      const w = words(zh, length(2, 14));
      if (random() < 0.15) w.push(en.next());
      return w.join('') + (random() < 0.3 ? '？' : '。');
    }
    const w = words(ja, length(2, 10));
    return (
      w
        .map((x, i) => (i < w.length - 1 ? x + JA_PARTICLES[Math.floor(random() * JA_PARTICLES.length)] : x))
        .join('') + '。'
    );
  };
  return {
    text,
    vocabulary: {
      english: english.length + tail.length,
      chinese: ZH_COMMON.length,
      japanese: JA_COMMON.length,
    },
  };
}

/**
 * What a user types: whole words, prefixes as they are typed, two words, one typo, and Chinese
 * and Japanese words.
 */
export const SEARCH_QUERIES = [
  'meeting',
  'tomorrow',
  'tom',
  'tomo',
  'tomorr',
  'proj',
  'deploy',
  'restaurant',
  'resturant', // one typo
  'meeting tomorrow',
  'photo',
  'database migration',
  'birthday party',
  'pho',
  '会议',
  '明天',
  '上海',
  '明天 开会',
  '東京',
  '電車',
  '会議',
  'ラーメン',
];
