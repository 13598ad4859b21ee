//! Text files in the encodings they come in: the byte order mark, or UTF-8 when the whole file
//! is valid UTF-8, or else Windows-1251. Decoding streams in chunks, so memory does not grow
//! with the file.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use encoding_rs::{DecoderResult, Encoding, UTF_8, WINDOWS_1251};

use super::{CODE_ENCODING, CODE_NOT_SPREADSHEET, ReadError};

/// Buffer size of the text readers: large enough that per-call overhead disappears.
pub(crate) const BUFFER: usize = 64 * 1024;

/// A byte source that can be read again from the start (vCard reads twice).
pub(crate) trait Source: Read + Seek + Send {}

impl<T: Read + Seek + Send> Source for T {}

/// A text file, opened: its encoding is known and its first bytes decoded.
pub(crate) struct Text {
    pub encoding: &'static Encoding,
    /// The decoded start of the file, for sniffing (cut at [`super::HEAD_BYTES`] bytes).
    pub head: String,
    /// Whether `head` is the whole file.
    pub complete: bool,
    source: Box<dyn Source>,
    /// Where the text starts: after the byte order mark.
    start: u64,
}

/// Detects the encoding of `source` (whose first bytes are `head`; it starts at `start`) and
/// refuses binary files.
pub(crate) fn open<R: Source + 'static>(
    mut source: R,
    start: u64,
    head: &[u8],
    label: Option<&str>,
) -> Result<Text, ReadError> {
    let complete = head.len() < super::HEAD_BYTES;
    let (encoding, bom) = match Encoding::for_bom(head) {
        Some(found) => found,
        None => match label {
            Some(label) => match Encoding::for_label(label.trim().as_bytes()) {
                Some(e) => (e, 0),
                None => {
                    return Err(ReadError::new(
                        CODE_ENCODING,
                        format!("unknown encoding {label:?}"),
                    ));
                }
            },
            None => (guess(&mut source, start, head, complete)?, 0),
        },
    };
    // A decoder for the head alone: a character cut at its end is dropped, not an error.
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let body = &head[bom..];
    let mut text = String::with_capacity(body.len() + body.len() / 2 + 16);
    let _ = decoder.decode_to_string(body, &mut text, complete);
    if is_binary(&text) {
        return Err(ReadError::new(
            CODE_NOT_SPREADSHEET,
            "the file holds binary data, not text",
        ));
    }
    Ok(Text {
        encoding,
        head: text,
        complete,
        source: Box::new(source),
        start: start + bom as u64,
    })
}

/// UTF-8 if every byte of the file is valid UTF-8, else Windows-1251.
fn guess<R: Read + Seek>(
    source: &mut R,
    start: u64,
    head: &[u8],
    complete: bool,
) -> Result<&'static Encoding, ReadError> {
    match std::str::from_utf8(head) {
        Ok(_) if complete => return Ok(UTF_8),
        Err(e) if e.error_len().is_some() => return Ok(WINDOWS_1251),
        Err(_) if complete => return Ok(WINDOWS_1251),
        _ => {}
    }
    source
        .seek(SeekFrom::Start(start))
        .map_err(|e| ReadError::io(&e))?;
    let valid = is_utf8(source).map_err(|e| ReadError::io(&e))?;
    Ok(if valid { UTF_8 } else { WINDOWS_1251 })
}

/// Whether everything `source` yields is valid UTF-8, checked chunk by chunk.
fn is_utf8<R: Read>(source: &mut R) -> io::Result<bool> {
    let mut buf = vec![0u8; BUFFER];
    let mut carry = 0; // bytes of a character cut by the previous chunk
    loop {
        let n = match source.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(carry == 0);
        }
        let len = carry + n;
        match std::str::from_utf8(&buf[..len]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_some() => return Ok(false),
            Err(e) => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                carry = len - valid;
            }
        }
    }
}

/// Text that no CSV or vCard holds: NUL bytes, or more than 1% other control characters
/// (a picture or random bytes read as Windows-1251 are full of them).
fn is_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\0' {
            return true;
        }
        // Not U+FFFD: text in another encoding than the one named is an encoding error, found
        // with its row and column as the cells are read.
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            bad += 1;
        }
    }
    bad * 100 > total
}

impl Text {
    /// The whole text as UTF-8, from its start. UTF-8 passes through as it is (its validity is
    /// checked cell by cell); other encodings are decoded, and bytes that are not text in them
    /// are an `InvalidData` error.
    pub(crate) fn into_reader(mut self) -> io::Result<Box<dyn BufRead + Send>> {
        self.source.seek(SeekFrom::Start(self.start))?;
        Ok(reader(self.source, self.encoding))
    }

    /// The same, borrowing the source, to read it once more later.
    pub(crate) fn reader(&mut self) -> io::Result<Box<dyn BufRead + Send + '_>> {
        self.source.seek(SeekFrom::Start(self.start))?;
        Ok(reader(&mut self.source, self.encoding))
    }
}

fn reader<'a, R: Read + Send + 'a>(
    source: R,
    encoding: &'static Encoding,
) -> Box<dyn BufRead + Send + 'a> {
    if encoding == UTF_8 {
        Box::new(BufReader::with_capacity(BUFFER, source))
    } else {
        Box::new(BufReader::with_capacity(
            BUFFER,
            Utf8Reader::new(source, encoding),
        ))
    }
}

/// Reads `inner` in `encoding` and yields UTF-8. The decoder keeps a character cut between two
/// chunks until the next chunk completes it.
struct Utf8Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    finished: bool,
    /// Decoded bytes that did not fit a small caller buffer.
    spill: Vec<u8>,
}

impl<R: Read> Utf8Reader<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; BUFFER],
            pos: 0,
            len: 0,
            eof: false,
            finished: false,
            spill: Vec::new(),
        }
    }

    /// Decodes into `out`, which must hold at least 16 bytes (the decoder needs room for one
    /// character's worth of output to make progress).
    fn decode(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.finished {
                return Ok(0);
            }
            if self.pos == self.len && !self.eof {
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.pos = 0;
                self.len = n;
                self.eof = n == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.pos..self.len],
                out,
                self.eof,
            );
            self.pos += read;
            match result {
                DecoderResult::Malformed(_, _) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("bytes that are not {} text", self.decoder.encoding().name()),
                    ));
                }
                DecoderResult::OutputFull => return Ok(written),
                DecoderResult::InputEmpty => {
                    if self.eof {
                        self.finished = true;
                    }
                    if written > 0 || self.finished {
                        return Ok(written);
                    }
                }
            }
        }
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if !self.spill.is_empty() {
            let n = self.spill.len().min(out.len());
            out[..n].copy_from_slice(&self.spill[..n]);
            self.spill.drain(..n);
            return Ok(n);
        }
        if out.len() >= 16 {
            return self.decode(out);
        }
        let mut small = [0u8; 16];
        let n = self.decode(&mut small)?;
        let k = n.min(out.len());
        out[..k].copy_from_slice(&small[..k]);
        self.spill.extend_from_slice(&small[k..n]);
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], encoding: &'static Encoding, chunk: usize) -> String {
        // A reader handing out `chunk` bytes at a time, to cut characters between chunks.
        struct Drip<'a>(&'a [u8], usize);
        impl Read for Drip<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = Utf8Reader::new(Drip(bytes, chunk), encoding);
        let mut out = Vec::new();
        let mut buf = [0u8; 3]; // smaller than one decoded character: exercises the spill
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn characters_cut_between_chunks_survive() {
        let text = "Анна;8 (495) 123-45-67;שלום;😀\n";
        // encoding_rs has no UTF-16 encoder (it encodes UTF-16 as UTF-8), so by hand.
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        for chunk in [1, 2, 3, 7] {
            assert_eq!(decode_all(&utf16, encoding_rs::UTF_16LE, chunk), text);
        }
        let (cp1251, _, _) = WINDOWS_1251.encode("Анна Петрова;Москва");
        assert_eq!(decode_all(&cp1251, WINDOWS_1251, 1), "Анна Петрова;Москва");
    }

    #[test]
    fn malformed_utf16_is_an_error() {
        // An unpaired high surrogate.
        let bytes = [0x3D, 0xD8, 0x41, 0x00];
        let mut r = Utf8Reader::new(&bytes[..], encoding_rs::UTF_16LE);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn utf8_check_spans_chunks() {
        let mut text = "a".repeat(BUFFER - 1);
        text.push('я'); // two bytes, the second in the next chunk
        assert!(is_utf8(&mut text.as_bytes()).unwrap());
        let mut bad = text.into_bytes();
        bad.push(0xC0);
        assert!(!is_utf8(&mut &bad[..]).unwrap());
    }
}
