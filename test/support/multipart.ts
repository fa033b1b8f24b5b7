/** A minimal multipart/form-data parser for the Qdrant stand-in (snapshot uploads): field name → file name and bytes. */
export interface Part {
  filename?: string;
  data: Buffer;
}

/** Parses a multipart/form-data body; undefined if the Content-Type has no boundary or the body is malformed. */
export function parseMultipart(contentType: string, body: Buffer): Map<string, Part> | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2].trim()}`);
  const parts = new Map<string, Part>();
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") return parts;
    pos += 2; // CRLF after the delimiter
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) return undefined;
    const headers = body.subarray(pos, headerEnd).toString("utf8");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) parts.set(name, { filename, data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
}
