/** What the verify page shows when a check got no verdict: never a verdict's words. */
export interface NoVerdict {
  title: string;
  message: string;
}

/** A failed request as the API layer reports it (ApiError): its HTTP status (0: no answer) and message. */
export interface FailedRequest {
  status: number;
  message: string;
}

/** Said under every such title: an officer must not send a holder away over a lost connection. */
const NOT_A_VERDICT = "本次未得到核验结论，不表示证书有问题。";

/**
 * Why a check of a certificate got no verdict. A lost connection or a failing node (5xx) used to
 * show as 验证未通过, the verdict of a forged certificate, so an officer at a roadside check read a
 * genuine certificate as a fake one. Only the server's answer to a check is a verdict; this is
 * what the page says instead when there is none: the service could not be reached, or the request
 * was refused for itself (a file over the limit), or, with no request to blame (`null`), the file
 * could not be read here (`fallback` says so).
 */
export function noVerdict(failed: FailedRequest | null, fallback: string): NoVerdict {
  const message = `${(failed?.message ?? fallback).replace(/[。.]$/, "")}。${NOT_A_VERDICT}`;
  if (failed && (failed.status === 0 || failed.status >= 500))
    return { title: "无法连接核验服务，请稍后重试", message };
  return { title: "未能完成核验", message };
}

/** A photo in which no code was found: nothing was checked, so nothing is said of the certificate. */
export const NO_CODE_IN_PHOTO: NoVerdict = {
  title: "未能完成核验",
  message: `图片中没有找到二维码，请换一张清晰、完整的照片。${NOT_A_VERDICT}`,
};
