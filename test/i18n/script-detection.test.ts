import { createScriptAnalyzer, createScriptDetector, type DetectedScript } from '../../src/i18n/script-detection';

const SCRIPTS: readonly DetectedScript[] = ['zh-Hans', 'zh-Hant', 'en', 'unknown'];

/**
 * Short messages a complainant might send, written for this test and labelled by hand:
 * zh-Hans / zh-Hant when a reader of that script would recognise it as written in it,
 * 'unknown' when the text is the same in both scripts (or has no words at all).
 */
const SCRIPT_CORPUS: ReadonlyArray<readonly [string, DetectedScript]> = [
  // Simplified Chinese
  ['快递三天没到', 'zh-Hans'],
  ['我要投诉', 'zh-Hans'],
  ['谢谢', 'zh-Hans'],
  ['发票', 'zh-Hans'],
  ['查询进度', 'zh-Hans'],
  ['客服态度很差', 'zh-Hans'],
  ['电梯坏了', 'zh-Hans'],
  ['电梯坏了三天了，物业一直不来修', 'zh-Hans'],
  ['外卖送错了，打电话也没人接', 'zh-Hans'],
  ['退款什么时候到账？', 'zh-Hans'],
  ['商家拒绝开发票', 'zh-Hans'],
  ['快递员把包裹扔在门口就走了', 'zh-Hans'],
  ['店员态度恶劣，还骂人', 'zh-Hans'],
  ['买的手机屏幕有问题，要求换货', 'zh-Hans'],
  ['楼上装修太吵了，晚上十一点还在施工', 'zh-Hans'],
  ['小区停车场的灯坏了好几天', 'zh-Hans'],
  ['水费账单不对，比上个月多了两百块', 'zh-Hans'],
  ['网购的衣服质量太差，洗一次就破了', 'zh-Hans'],
  ['我想举报一家无证经营的餐馆', 'zh-Hans'],
  ['投诉编号多少？', 'zh-Hans'],
  ['已经等了一个星期了', 'zh-Hans'],
  ['能不能快点处理', 'zh-Hans'],
  ['我不满意这个结果', 'zh-Hans'],
  ['这个问题还没解决', 'zh-Hans'],
  ['怎么联系人工客服', 'zh-Hans'],
  ['转人工', 'zh-Hans'],
  ['帮助', 'zh-Hans'],
  ['确认提交', 'zh-Hans'],
  ['不记得了', 'zh-Hans'],
  ['昨天下午三点左右', 'zh-Hans'],
  ['上周五在万达广场', 'zh-Hans'],
  ['公交车司机开车太猛，老人差点摔倒', 'zh-Hans'],
  ['医院挂号排队两个小时', 'zh-Hans'],
  ['充电宝押金一直没退', 'zh-Hans'],
  ['会员卡被乱扣费', 'zh-Hans'],
  ['路灯不亮，晚上走路很危险', 'zh-Hans'],
  ['垃圾好几天没人清理，臭死了', 'zh-Hans'],
  ['物业乱收费', 'zh-Hans'],
  ['订单号是 20261115 ，请帮我查一下', 'zh-Hans'],
  ['我的订单 order 还没发货', 'zh-Hans'],
  ['APP 一直闪退，没法登录', 'zh-Hans'],
  ['查询 TS-202611-0001', 'zh-Hans'],
  ['满意', 'zh-Hans'],
  ['不满意，问题根本没处理', 'zh-Hans'],
  ['后面的事情我不清楚', 'zh-Hans'],
  ['头发被理发店剪坏了', 'zh-Hans'],
  ['餐厅的桌子很脏，干净的都没有', 'zh-Hans'],
  ['为什么还没有人联系我', 'zh-Hans'],
  ['谢谢你们的帮助', 'zh-Hans'],
  ['我的手机号是13800138000', 'zh-Hans'],
  ['跳过', 'zh-Hans'],
  ['我要提建议：地铁站多装几个电梯', 'zh-Hans'],
  ['这家店卖过期食品', 'zh-Hans'],
  ['退货', 'zh-Hans'],
  ['对不起', 'zh-Hans'],
  ['热水器温度不够', 'zh-Hans'],
  ['下周一再说吧', 'zh-Hans'],
  ['邻居噪音干扰睡眠', 'zh-Hans'],
  ['系统显示已签收，但我没收到', 'zh-Hans'],
  ['台风天快递延误可以理解，但已经一周了', 'zh-Hans'],
  ['了解了，谢谢', 'zh-Hans'],
  ['里面的东西坏了', 'zh-Hans'],
  ['准时送达是你们承诺的', 'zh-Hans'],
  ['发了三次信息都没回复', 'zh-Hans'],
  ['等着用，很急', 'zh-Hans'],

  // Traditional Chinese (Taiwan and Hong Kong writers)
  ['快遞三天沒到', 'zh-Hant'],
  ['客服態度很差', 'zh-Hant'],
  ['電梯壞了', 'zh-Hant'],
  ['查詢進度', 'zh-Hant'],
  ['謝謝', 'zh-Hant'],
  ['發票', 'zh-Hant'],
  ['我要投訴', 'zh-Hant'],
  ['我要檢舉', 'zh-Hant'],
  ['電梯壞了三天，管委會都不處理', 'zh-Hant'],
  ['外送送錯了，打電話也沒人接', 'zh-Hant'],
  ['退款什麼時候會到帳？', 'zh-Hant'],
  ['店家拒絕開發票', 'zh-Hant'],
  ['宅配人員把包裹丟在門口就走了', 'zh-Hant'],
  ['店員態度惡劣，還罵人', 'zh-Hant'],
  ['買的手機螢幕有問題，要求換貨', 'zh-Hant'],
  ['樓上裝潢太吵，晚上十一點還在施工', 'zh-Hant'],
  ['社區停車場的燈壞了好幾天', 'zh-Hant'],
  ['水費帳單不對，比上個月多了兩百塊', 'zh-Hant'],
  ['網購的衣服品質太差，洗一次就破了', 'zh-Hant'],
  ['已經等了一個禮拜了', 'zh-Hant'],
  ['能不能快點處理', 'zh-Hant'],
  ['我不滿意這個結果', 'zh-Hant'],
  ['這個問題還沒解決', 'zh-Hant'],
  ['怎麼聯絡真人客服', 'zh-Hant'],
  ['幫助', 'zh-Hant'],
  ['確認提交', 'zh-Hant'],
  ['不記得了', 'zh-Hant'],
  ['上週五在信義區', 'zh-Hant'],
  ['週末也要處理嗎', 'zh-Hant'],
  ['公車司機開車太猛，老人家差點跌倒', 'zh-Hant'],
  ['醫院掛號排隊兩個小時', 'zh-Hant'],
  ['會員卡被亂扣款', 'zh-Hant'],
  ['路燈不亮，晚上走路很危險', 'zh-Hant'],
  ['垃圾好幾天沒人清，臭死了', 'zh-Hant'],
  ['查詢 TS-202611-0001', 'zh-Hant'],
  ['滿意', 'zh-Hant'],
  ['不滿意，問題根本沒處理', 'zh-Hant'],
  ['後面的事情我不清楚', 'zh-Hant'],
  ['頭髮被理髮店剪壞了', 'zh-Hant'],
  ['餐廳的桌子很髒，乾淨的都沒有', 'zh-Hant'],
  ['為什麼還沒有人跟我聯絡', 'zh-Hant'],
  ['謝謝你們的幫忙', 'zh-Hant'],
  ['我的手機是0912345678', 'zh-Hant'],
  ['請問案件編號是多少', 'zh-Hant'],
  ['我想瞭解處理進度', 'zh-Hant'],
  ['台灣大哥大的訊號很差', 'zh-Hant'],
  ['網路一直斷線，客服電話打不通', 'zh-Hant'],
  ['收據上的金額寫錯了', 'zh-Hant'],
  ['我要提建議：捷運站多裝幾部電梯', 'zh-Hant'],
  ['這間店賣過期食品', 'zh-Hant'],
  ['退貨', 'zh-Hant'],
  ['對不起', 'zh-Hant'],
  ['啲職員好冇禮貌', 'zh-Hant'],
  ['我喺旺角間舖頭買嘢，佢哋唔肯退錢', 'zh-Hant'],
  ['巴士司機飛站，我等咗半個鐘', 'zh-Hant'],
  ['説好今日送貨，到而家都未到', 'zh-Hant'],
  ['記不清楚了', 'zh-Hant'],
  ['熱水器溫度不夠', 'zh-Hant'],
  ['下週一再說吧', 'zh-Hant'],
  ['鄰居噪音干擾睡眠', 'zh-Hant'],
  ['系統顯示已簽收，但我沒收到', 'zh-Hant'],
  ['颱風天宅配延誤可以理解，但已經一週了', 'zh-Hant'],
  ['了解了，謝謝', 'zh-Hant'],
  ['裡面的東西壞了', 'zh-Hant'],
  ['準時送達是你們承諾的', 'zh-Hant'],
  ['發了三次訊息都沒回覆', 'zh-Hant'],
  ['我的 order 還沒出貨', 'zh-Hant'],
  ['公里數不對', 'zh-Hant'],

  // English
  ['my parcel is late', 'en'],
  ['I want to make a complaint', 'en'],
  ['The lift has been broken for three days', 'en'],
  ['refund please', 'en'],
  ['status TS-202611-0001', 'en'],
  ['Where is my order #20261115?', 'en'],
  ['The staff were very rude to me', 'en'],
  ['yes', 'en'],
  ['no', 'en'],
  ['help', 'en'],
  ['cancel', 'en'],
  ["don't remember", 'en'],
  ['Thank you!', 'en'],
  ['talk to a person', 'en'],
  ['My phone number is +852 9123 4567', 'en'],
  ['The bus driver skipped my stop at 8am', 'en'],
  ['satisfied', 'en'],
  ['hello', 'en'],

  // The same in both scripts, or no words at all
  ['了解', 'unknown'],
  ['周末', 'unknown'],
  ['OK', 'unknown'],
  ['ok', 'unknown'],
  ['123', 'unknown'],
  ['👍', 'unknown'],
  ['🙏🙏🙏', 'unknown'],
  ['TS-202611-0001', 'unknown'],
  ['13800138000', 'unknown'],
  ['+852 9123 4567', 'unknown'],
  ['2026-11-20 15:00', 'unknown'],
  ['？', 'unknown'],
  ['...', 'unknown'],
  ['/start', 'unknown'],
  ['你好', 'unknown'],
  ['好的', 'unknown'],
  ['是', 'unknown'],
  ['不是', 'unknown'],
  ['是的', 'unknown'],
  ['取消', 'unknown'],
  ['人工', 'unknown'],
  ['其他', 'unknown'],
  ['道歉', 'unknown'],
  ['明天下午', 'unknown'],
  ['匿名', 'unknown'],
  ['返回上一步', 'unknown'],
  ['我要退款', 'unknown'],
  ['好 OK', 'unknown'],
  ['5', 'unknown'],
  ['皇后大道中', 'unknown'],
  ['公里', 'unknown'],
  ['游泳池', 'unknown'],
  ['只收到一半', 'unknown'],
  ['香港', 'unknown'],
  ['台北', 'unknown'],
];

describe('script detection', () => {
  const detect = createScriptDetector();

  it('has a corpus big enough to mean something', () => {
    expect(SCRIPT_CORPUS.length).toBeGreaterThanOrEqual(120);
    for (const script of SCRIPTS) {
      expect(SCRIPT_CORPUS.filter(([, label]) => label === script).length).toBeGreaterThanOrEqual(15);
    }
    expect(new Set(SCRIPT_CORPUS.map(([text]) => text)).size).toBe(SCRIPT_CORPUS.length);
  });

  it('is exactly right on at least 95% of the corpus and never answers the wrong script', () => {
    const confusion = new Map<string, number>();
    const misses: string[] = [];
    const wrongScript: string[] = [];
    for (const [text, label] of SCRIPT_CORPUS) {
      const detected = detect(text);
      const cell = `${label} → ${detected}`;
      confusion.set(cell, (confusion.get(cell) ?? 0) + 1);
      if (detected === label) continue;
      misses.push(`  ${JSON.stringify(text)}: labelled ${label}, detected ${detected}`);
      // 'unknown' keeps the user's previous script, so it is only a miss; a wrong script is a failure.
      if (detected !== 'unknown') wrongScript.push(text);
    }
    const right = SCRIPT_CORPUS.length - misses.length;
    const summary = [
      `exactly right: ${right}/${SCRIPT_CORPUS.length}; wrong script: ${wrongScript.length}`,
      'label → detected: count',
      ...[...confusion.entries()].sort().map(([cell, count]) => `  ${cell}: ${count}`),
      'misses:',
      ...misses,
    ].join('\n');

    if (wrongScript.length > 0 || right / SCRIPT_CORPUS.length < 0.95) throw new Error(summary);
  });

  it.each([
    // A phrase converter rewrites these, but each character is valid in both scripts.
    ['了解', 'unknown'],
    ['周末', 'unknown'],
    ['下周', 'unknown'],
    // 週 is never written in simplified text.
    ['週末', 'zh-Hant'],
    // 干 is simplified for 乾/幹 but also the traditional 干 of 干擾.
    ['干擾', 'zh-Hant'],
    ['干净', 'zh-Hans'],
    // Hong Kong variants (説) are traditional, not simplified.
    ['説明', 'zh-Hant'],
    // OpenCC-standard variants that cn→tw rewrites are still traditional.
    ['爲什麼', 'zh-Hant'],
    ['什么', 'zh-Hans'],
    // Mixed with English or digits: the Chinese decides.
    ['我的 order 还没发货', 'zh-Hans'],
    ['我的 order 還沒出貨', 'zh-Hant'],
    ['Hello 你好', 'unknown'],
    ['', 'unknown'],
    ['   ', 'unknown'],
  ] as const)('%j → %s', (text, expected) => {
    expect(detect(text)).toBe(expected);
  });

  it('explains its decision character by character', () => {
    const { evidence } = createScriptAnalyzer();
    expect(evidence('台灣')).toEqual([
      { index: 0, char: '台', script: 'zh-Hans', strength: 'weak' },
      { index: 1, char: '灣', script: 'zh-Hant', strength: 'strong' },
    ]);
    // Indices count code points, so an emoji before the text does not shift them by two.
    expect(evidence('👍发票')).toEqual([{ index: 1, char: '发', script: 'zh-Hans', strength: 'strong' }]);
    expect(evidence('my parcel')).toEqual([]);
  });
});
