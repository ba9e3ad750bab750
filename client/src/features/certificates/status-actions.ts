/**
 * What 注销, 吊销 and 撤销 mean, for the officer choosing one: three legally different ends of a
 * certificate (server/certificates/lifecycle.ts). Cancellation is no penalty, and a later pass issues
 * the holder a certificate again (`issueOnto`); after revocation or withdrawal a pass does not, since
 * whether such a holder may hold one again is the authority's decision.
 */
export const STATUS_ACTION_NOTES = {
  cancel:
    "注销：证书因持证人本人申请、死亡、超过年龄限制或有效期届满 180 日未换证而终止，不是处罚。注销后持证人再次考试合格可重新发证。",
  revoke:
    "吊销：持证人因违法违规行为受到行政处罚，依法吊销其从业资格证。吊销后不能凭考试合格发证，能否重新取得由发证机关决定。",
  withdraw:
    "撤销：证书本不应核发（如以欺骗等不正当手段取得，或不符合条件而发证），撤销已作出的发证决定。撤销后不能凭考试合格发证，能否重新取得由发证机关决定。",
} as const;
