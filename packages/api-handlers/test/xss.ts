/** Hostile inputs that must never come back as markup. */
export const XSS_PAYLOADS = [
  "<script>alert(1)</script>hello",
  "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>hello",
  '<img src=x onerror="alert(1)">hello',
  "<svg/onload=alert(1)>hello",
  '<body onload=alert("x")>hello</body>',
  '<a href="javascript:alert(1)">hello</a>',
  "<iframe src=\"javascript:alert('x')\"></iframe>hello",
  "<scr<script>ipt>alert(1)</scr</script>ipt>hello",
  "<<script>script>alert(1)<</script>/script>hello",
  "&lt;script&gt;alert(1)&lt;/script&gt;hello",
  "&amp;lt;img src=x onerror=alert(1)&amp;gt;hello",
  '<div style="background:url(javascript:alert(1))">hello',
  "<style>body{display:none}</style>hello",
  "<img src=x onerror=alert(1)//hello",
  '"><script>alert(document.cookie)</script>hello',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>hello",
];

/** True when `text` contains anything a browser would read as a tag or an event handler. */
export function looksLikeMarkup(text: string): boolean {
  return /<\s*\/?\s*[a-z!?]/i.test(text) || /\bon[a-z]+\s*=/i.test(text) || /<[^>]*javascript:/i.test(text);
}
