//! A small markdown subset for chat messages, parsed into [`Block`]s of styled [`Span`]s.
//!
//! Supported: `**bold**`, `*italic*` / `_italic_`, `` `inline code` `` (any backtick run closed
//! by a run of the same length), fenced code blocks (```` ``` ```` on its own line, language tag
//! ignored, open until the closing fence or the end of the text), bare `http://` / `https://`
//! URLs, `[text](https://url)` links and `@name` mentions of known user names.
//!
//! Anything that does not form a complete construct stays literal text: `2 * 3 * 4`,
//! `snake_case_name`, an unclosed `` ` `` or a `[text](javascript:...)` link. Markup is not
//! interpreted inside code. The mention rule ([`mentions`]) is the one the server counts
//! mentions by, so client and server agree; the app's `ui::rich_text` draws the blocks.

use std::collections::HashMap;

/// One block of a message: running text or a fenced code block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Running text (newlines kept inside the spans), split into differently styled spans.
    Paragraph(Vec<Span>),
    /// The lines of a fenced code block, joined by `\n`, shown verbatim.
    Code(String),
}

/// How a [`Span`]'s characters are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SpanStyle {
    /// Inside `**…**`.
    pub bold: bool,
    /// Inside `*…*` or `_…_`.
    pub italic: bool,
    /// Inside `` `…` ``.
    pub code: bool,
}

/// A run of text with one style, link target and mention.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// The text as shown, with the markup characters removed.
    pub text: String,
    /// The emphasis of the text.
    pub style: SpanStyle,
    /// The `http` / `https` URL this text links to, if any.
    pub link: Option<String>,
    /// The known user name this `@name` text mentions, if any (the text includes the `@`).
    pub mention: Option<String>,
}

/// Parses `text` into blocks; `known_names` are the user names `@name` may mention (the longest
/// one that matches wins, so names may contain spaces).
pub fn parse(text: &str, known_names: &[String]) -> Vec<Block> {
    let mut names: Vec<Vec<char>> = known_names
        .iter()
        .filter(|name| !name.is_empty())
        .map(|name| name.chars().collect())
        .collect();
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(fence_len) = opening_fence(line) else {
            paragraph.push(line);
            continue;
        };
        push_paragraph(&mut blocks, &paragraph, &names);
        paragraph.clear();
        let code: Vec<&str> = lines
            .by_ref()
            .take_while(|line| !is_closing_fence(line, fence_len))
            .collect();
        blocks.push(Block::Code(code.join("\n")));
    }
    push_paragraph(&mut blocks, &paragraph, &names);
    blocks
}

/// Whether `text` mentions `@name` outside code. Only `name` is known here, so in
/// `@Ann Lee` the name `Ann` counts as mentioned even if `Ann Lee` is a user too.
pub fn mentions(text: &str, name: &str) -> bool {
    // Most messages mention nobody: only parse those that hold `@name` at all.
    if name.is_empty() || !text.contains(&format!("@{name}")) {
        return false;
    }
    parse(text, &[name.to_owned()])
        .iter()
        .any(|block| match block {
            Block::Paragraph(spans) => spans
                .iter()
                .any(|span| span.mention.as_deref() == Some(name)),
            Block::Code(_) => false,
        })
}

/// The backtick count of an opening fence line (```` ```lang ````), if `line` is one.
fn opening_fence(line: &str) -> Option<usize> {
    let trimmed = line.trim();
    let fence_len = trimmed.chars().take_while(|&c| c == '`').count();
    let tag = &trimmed[fence_len..];
    (fence_len >= 3 && !tag.contains('`')).then_some(fence_len)
}

/// Whether `line` closes a fence opened with `fence_len` backticks.
fn is_closing_fence(line: &str, fence_len: usize) -> bool {
    let trimmed = line.trim();
    trimmed.len() >= fence_len && trimmed.chars().all(|c| c == '`')
}

/// Parses the collected `lines` as one paragraph, unless they are all blank.
fn push_paragraph(blocks: &mut Vec<Block>, lines: &[&str], names: &[Vec<char>]) {
    let text = lines.join("\n");
    let text = text.trim_matches('\n');
    if text.trim().is_empty() {
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut inline = Inline {
        chars: &chars,
        names,
        spans: Vec::new(),
        closers: HashMap::new(),
        unclosed: HashMap::new(),
    };
    inline.parse(0, chars.len(), SpanStyle::default(), None);
    blocks.push(Block::Paragraph(inline.spans));
}

/// The inline parser of one paragraph.
struct Inline<'a> {
    chars: &'a [char],
    /// Known names, longest first.
    names: &'a [Vec<char>],
    spans: Vec<Span>,
    /// Memo of [`Self::emphasis`] closer searches by (opener index, end), so nested lookups of
    /// the same opener stay cheap.
    closers: HashMap<(usize, usize), Option<usize>>,
    /// Per (delimiter, end): the first opener whose closer search failed. A later opener of the
    /// same kind scans a suffix of that range and fails too, which keeps the parse of text
    /// full of unclosed markers from going quadratic.
    unclosed: HashMap<(Delim, usize), usize>,
}

impl<'a> Inline<'a> {
    /// Parses `chars[start..end]` with the given style and link, appending spans.
    fn parse(&mut self, start: usize, end: usize, style: SpanStyle, link: Option<&str>) {
        let mut i = start;
        while i < end {
            i = self.parse_at(i, end, style, link);
        }
    }

    /// Parses the construct (or literal character) at `i`; returns where to continue.
    fn parse_at(&mut self, i: usize, end: usize, style: SpanStyle, link: Option<&str>) -> usize {
        let chars = self.chars;
        if let Some((content, after)) = code_span(chars, i, end) {
            let code = SpanStyle {
                code: true,
                ..style
            };
            self.push(&chars[content.0..content.1], code, link, None);
            return after;
        }
        if link.is_none() {
            if let Some(target) = labelled_link(chars, i, end) {
                self.parse(i + 1, target.text_end, style, Some(&target.url));
                return target.after;
            }
            if let Some(len) = bare_url(chars, i, end) {
                let url: String = chars[i..i + len].iter().collect();
                self.push(&chars[i..i + len], style, Some(&url), None);
                return i + len;
            }
        }
        if let Some(name) = self.mention(i, end) {
            let mention: String = name.iter().collect();
            self.push(&chars[i..=i + name.len()], style, link, Some(mention));
            return i + 1 + name.len();
        }
        if let Some((delim, closer)) = self.emphasis(i, end) {
            let inner = match delim {
                Delim::Bold => SpanStyle {
                    bold: true,
                    ..style
                },
                Delim::Star | Delim::Underscore => SpanStyle {
                    italic: true,
                    ..style
                },
            };
            self.parse(i + delim.len(), closer, inner, link);
            return closer + delim.len();
        }
        self.push(&chars[i..=i], style, link, None);
        i + 1
    }

    /// Emphasis opening at `i` within `..end`: its delimiter and the index of its closer.
    fn emphasis(&mut self, i: usize, end: usize) -> Option<(Delim, usize)> {
        let chars = &self.chars[..end];
        let delim = Delim::at(chars, i)?;
        if !delim.opens(chars, i) {
            return None;
        }
        if self
            .unclosed
            .get(&(delim, end))
            .is_some_and(|&from| from <= i)
        {
            return None;
        }
        if let Some(&closer) = self.closers.get(&(i, end)) {
            return closer.map(|closer| (delim, closer));
        }
        let closer = self.find_closer(delim, i, end);
        self.closers.insert((i, end), closer);
        if closer.is_none() {
            self.unclosed.entry((delim, end)).or_insert(i);
        }
        closer.map(|closer| (delim, closer))
    }

    /// Scans for the closer of `delim` opened at `i`, skipping code spans and URLs.
    fn find_closer(&mut self, delim: Delim, i: usize, end: usize) -> Option<usize> {
        let chars = &self.chars[..end];
        let mut j = i + delim.len();
        while j < end {
            // Markup inside code and URLs does not count.
            if let Some((_, after)) = code_span(chars, j, end) {
                j = after;
                continue;
            }
            if let Some(len) = bare_url(chars, j, end) {
                j += len;
                continue;
            }
            match Delim::at(chars, j) {
                Some(found) if found == delim && j > i + delim.len() && delim.closes(chars, j) => {
                    return Some(j);
                }
                // A `**…**` inside `*…*` is skipped whole, so its stars do not close the italic.
                Some(Delim::Bold) if delim == Delim::Star => {
                    j = self
                        .emphasis(j, end)
                        .map_or(j + 2, |(_, closer)| closer + 2);
                }
                Some(found) => j += found.len(),
                None => j += 1,
            }
        }
        None
    }

    /// The known name mentioned by an `@` at `i`, if any.
    fn mention(&self, i: usize, end: usize) -> Option<&'a [char]> {
        let names = self.names;
        let chars = &self.chars[..end];
        if chars.get(i) != Some(&'@') || i > 0 && is_word_char(chars[i - 1]) {
            return None;
        }
        let rest = &chars[i + 1..];
        names
            .iter()
            .find(|name| {
                rest.starts_with(name) && rest.get(name.len()).is_none_or(|&c| !is_word_char(c))
            })
            .map(Vec::as_slice)
    }

    /// Appends `text`, merging it into the last span when that has the same attributes.
    fn push(
        &mut self,
        text: &[char],
        style: SpanStyle,
        link: Option<&str>,
        mention: Option<String>,
    ) {
        if let Some(last) = self.spans.last_mut()
            && mention.is_none()
            && last.mention.is_none()
            && last.style == style
            && last.link.as_deref() == link
        {
            last.text.extend(text);
            return;
        }
        self.spans.push(Span {
            text: text.iter().collect(),
            style,
            link: link.map(str::to_owned),
            mention,
        });
    }
}

/// An emphasis delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Delim {
    /// `**`
    Bold,
    /// `*`
    Star,
    /// `_`
    Underscore,
}

impl Delim {
    /// Its length in characters.
    fn len(self) -> usize {
        match self {
            Self::Bold => 2,
            Self::Star | Self::Underscore => 1,
        }
    }

    /// The delimiter starting at `i`, if any (`**` before `*`).
    fn at(chars: &[char], i: usize) -> Option<Self> {
        match (chars.get(i), chars.get(i + 1)) {
            (Some('*'), Some('*')) => Some(Self::Bold),
            (Some('*'), _) => Some(Self::Star),
            (Some('_'), _) => Some(Self::Underscore),
            _ => None,
        }
    }

    /// Whether this delimiter at `i` can open emphasis: followed by non-space, and for `_` not
    /// inside a word (so `snake_case` stays literal).
    fn opens(self, chars: &[char], i: usize) -> bool {
        let next = chars.get(i + self.len());
        let prev = i.checked_sub(1).map(|p| chars[p]);
        next.is_some_and(|c| !c.is_whitespace())
            && (self != Self::Underscore || prev.is_none_or(|c| !c.is_alphanumeric()))
    }

    /// Whether this delimiter at `i` can close emphasis: after non-space, and for `_` not
    /// followed by a word character.
    fn closes(self, chars: &[char], i: usize) -> bool {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + self.len());
        prev.is_some_and(|c| !c.is_whitespace())
            && (self != Self::Underscore || next.is_none_or(|c| !c.is_alphanumeric()))
    }
}

/// A code span at `i` within `..end`: the content range and the index after the closer.
fn code_span(chars: &[char], i: usize, end: usize) -> Option<((usize, usize), usize)> {
    let run = backtick_run(chars, i, end);
    if run == 0 || i > 0 && chars[i - 1] == '`' {
        return None;
    }
    let mut j = i + run;
    while j < end {
        let closer = backtick_run(chars, j, end);
        if closer == run && j > i + run {
            return Some(((i + run, j), j + run));
        }
        j += closer.max(1);
    }
    None
}

/// The number of backticks starting at `i`.
fn backtick_run(chars: &[char], i: usize, end: usize) -> usize {
    chars[i.min(end)..end]
        .iter()
        .take_while(|&&c| c == '`')
        .count()
}

/// A `[text](http…)` link at `i`.
struct LabelledLink {
    /// The index of the `]` ending the text (the text starts at `i + 1`).
    text_end: usize,
    /// The target URL.
    url: String,
    /// The index after the closing `)`.
    after: usize,
}

/// A `[text](url)` link with an http(s) URL at `i` within `..end`.
fn labelled_link(chars: &[char], i: usize, end: usize) -> Option<LabelledLink> {
    if chars.get(i) != Some(&'[') {
        return None;
    }
    // Both scans stop at the next bracket, so a text full of brackets costs linear time, not
    // quadratic (link text and URLs hold no brackets).
    let text_end = i
        + 1
        + chars[i + 1..end]
            .iter()
            .position(|&c| c == ']' || c == '[')?;
    if chars[text_end] != ']' || text_end == i + 1 || chars.get(text_end + 1) != Some(&'(') {
        return None;
    }
    let url_start = text_end + 2;
    let url_end = url_start
        + chars[url_start.min(end)..end]
            .iter()
            .position(|&c| matches!(c, ')' | '[' | ']') || c.is_whitespace())?;
    if chars[url_end] != ')' {
        return None;
    }
    let url = &chars[url_start..url_end];
    let scheme = scheme_len(url)?;
    if url.len() == scheme || url.iter().any(|c| c.is_whitespace()) {
        return None;
    }
    Some(LabelledLink {
        text_end,
        url: url.iter().collect(),
        after: url_end + 1,
    })
}

/// The length of a bare http(s) URL at `i` within `..end`, without trailing punctuation.
fn bare_url(chars: &[char], i: usize, end: usize) -> Option<usize> {
    if i > 0 && is_word_char(chars[i - 1]) {
        return None;
    }
    let rest = &chars[i..end];
    let scheme = scheme_len(rest)?;
    let mut len = rest
        .iter()
        .position(|&c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(rest.len());
    let count = |c: char| rest[..len].iter().filter(|&&x| x == c).count();
    let mut unmatched_parens = count(')').saturating_sub(count('('));
    let mut unmatched_brackets = count(']').saturating_sub(count('['));
    while len > scheme {
        let trim = match rest[len - 1] {
            ')' if unmatched_parens > 0 => {
                unmatched_parens -= 1;
                true
            }
            ']' if unmatched_brackets > 0 => {
                unmatched_brackets -= 1;
                true
            }
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' => true,
            _ => false,
        };
        if !trim {
            break;
        }
        len -= 1;
    }
    (len > scheme).then_some(len)
}

/// The length of a leading `http://` or `https://` (any case), if `chars` starts with one.
fn scheme_len(chars: &[char]) -> Option<usize> {
    ["https://", "http://"].into_iter().find_map(|scheme| {
        let matches = chars.len() >= scheme.len()
            && scheme
                .chars()
                .zip(chars)
                .all(|(a, b)| a.eq_ignore_ascii_case(b));
        matches.then_some(scheme.len())
    })
}

/// Letters, digits and `_`: characters that glue a word together.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOLD: SpanStyle = SpanStyle {
        bold: true,
        italic: false,
        code: false,
    };
    const ITALIC: SpanStyle = SpanStyle {
        bold: false,
        italic: true,
        code: false,
    };
    const CODE: SpanStyle = SpanStyle {
        bold: false,
        italic: false,
        code: true,
    };

    fn names() -> Vec<String> {
        ["ann", "Ann Lee", "bob"].map(String::from).to_vec()
    }

    /// The spans of a text that must be a single paragraph.
    fn spans(text: &str) -> Vec<Span> {
        match parse(text, &names()).as_slice() {
            [Block::Paragraph(spans)] => spans.clone(),
            other => panic!("expected one paragraph, got {other:?}"),
        }
    }

    fn plain(text: &str) -> Span {
        styled(text, SpanStyle::default())
    }

    fn styled(text: &str, style: SpanStyle) -> Span {
        Span {
            text: text.to_owned(),
            style,
            ..Span::default()
        }
    }

    fn link(text: &str, url: &str) -> Span {
        Span {
            link: Some(url.to_owned()),
            ..plain(text)
        }
    }

    fn mention(name: &str) -> Span {
        Span {
            mention: Some(name.to_owned()),
            ..plain(&format!("@{name}"))
        }
    }

    #[test]
    fn plain_text_is_one_span() {
        assert_eq!(spans("hello there"), [plain("hello there")]);
    }

    #[test]
    fn empty_and_blank_text_have_no_blocks() {
        assert_eq!(parse("", &[]), []);
        assert_eq!(parse(" \n\n ", &[]), []);
    }

    #[test]
    fn bold_italic_and_code() {
        assert_eq!(
            spans("a **b** *c* _d_ `e`"),
            [
                plain("a "),
                styled("b", BOLD),
                plain(" "),
                styled("c", ITALIC),
                plain(" "),
                styled("d", ITALIC),
                plain(" "),
                styled("e", CODE),
            ]
        );
    }

    #[test]
    fn emphasis_nests() {
        let bold_italic = SpanStyle {
            bold: true,
            italic: true,
            code: false,
        };
        assert_eq!(
            spans("**a *b* c**"),
            [
                styled("a ", BOLD),
                styled("b", bold_italic),
                styled(" c", BOLD)
            ]
        );
        assert_eq!(
            spans("*a **b** c*"),
            [
                styled("a ", ITALIC),
                styled("b", bold_italic),
                styled(" c", ITALIC)
            ]
        );
    }

    #[test]
    fn unclosed_or_spaced_markers_stay_literal() {
        for text in [
            "2 * 3 * 4",
            "snake_case_name",
            "a ** b",
            "**open",
            "*open",
            "_open",
            "`open",
            "``",
            "****",
            "* list item",
            "trailing *",
            "[x](y)",
        ] {
            assert_eq!(spans(text), [plain(text)], "{text}");
        }
    }

    #[test]
    fn underscore_italic_only_at_word_edges() {
        assert_eq!(
            spans("_a_b_ and x_y_"),
            [styled("a_b", ITALIC), plain(" and x_y_")]
        );
    }

    #[test]
    fn no_markup_inside_inline_code() {
        assert_eq!(
            spans("`**x** @ann https://a.b`"),
            [styled("**x** @ann https://a.b", CODE)]
        );
        assert_eq!(spans("``a ` b``"), [styled("a ` b", CODE)]);
    }

    #[test]
    fn code_span_closes_emphasis_search() {
        // The star inside the code does not close the italic.
        assert_eq!(
            spans("*a `*` b*"),
            [
                styled("a ", ITALIC),
                styled(
                    "*",
                    SpanStyle {
                        italic: true,
                        ..CODE
                    }
                ),
                styled(" b", ITALIC),
            ]
        );
    }

    #[test]
    fn bare_urls_without_trailing_punctuation() {
        assert_eq!(
            spans("see https://example.com/a_b_c."),
            [
                plain("see "),
                link("https://example.com/a_b_c", "https://example.com/a_b_c"),
                plain("."),
            ]
        );
        assert_eq!(
            spans("(http://x.org/y), ok"),
            [
                plain("("),
                link("http://x.org/y", "http://x.org/y"),
                plain("), ok")
            ]
        );
        let wiki = "https://en.wikipedia.org/wiki/Rust_(language)";
        assert_eq!(spans(wiki), [link(wiki, wiki)]);
        assert_eq!(spans("https:// x"), [plain("https:// x")]);
        assert_eq!(spans("xhttps://a.b"), [plain("xhttps://a.b")]);
    }

    #[test]
    fn labelled_links() {
        assert_eq!(
            spans("read [the **docs**](https://d.rs/x) now"),
            [
                plain("read "),
                link("the ", "https://d.rs/x"),
                Span {
                    style: BOLD,
                    ..link("docs", "https://d.rs/x")
                },
                plain(" now"),
            ]
        );
        // Empty link text: not a labelled link, but the URL in it is still a bare link.
        assert_eq!(
            spans("[](https://a.b)"),
            [plain("[]("), link("https://a.b", "https://a.b"), plain(")")]
        );
    }

    #[test]
    fn only_http_links_are_links() {
        for text in [
            "[click](javascript:alert(1))",
            "[f](file:///etc/passwd)",
            "javascript:alert(1)",
            "ftp://x.org",
        ] {
            let spans = spans(text);
            assert!(spans.iter().all(|s| s.link.is_none()), "{text}: {spans:?}");
            let shown: String = spans.iter().map(|s| s.text.as_str()).collect();
            assert_eq!(shown, text);
        }
    }

    #[test]
    fn mentions_match_the_longest_known_name() {
        assert_eq!(
            spans("hi @Ann Lee and @ann!"),
            [
                plain("hi "),
                mention("Ann Lee"),
                plain(" and "),
                mention("ann"),
                plain("!"),
            ]
        );
    }

    #[test]
    fn mentions_need_a_known_name_and_a_boundary() {
        for text in ["@annie", "@carol", "mail bob@x.org", "@Bob", "@ bob"] {
            assert!(
                spans(text).iter().all(|s| s.mention.is_none()),
                "{text} has no mention"
            );
        }
        assert_eq!(
            spans("**@bob**"),
            [Span {
                style: BOLD,
                ..mention("bob")
            }]
        );
    }

    #[test]
    fn fenced_code_blocks() {
        let text = "look:\n```rust\nlet *x* = `y`;\n  @bob\n```\nafter";
        assert_eq!(
            parse(text, &names()),
            [
                Block::Paragraph(vec![plain("look:")]),
                Block::Code("let *x* = `y`;\n  @bob".to_owned()),
                Block::Paragraph(vec![plain("after")]),
            ]
        );
    }

    #[test]
    fn unclosed_fence_runs_to_the_end() {
        assert_eq!(
            parse("```\na\n\nb", &[]),
            [Block::Code("a\n\nb".to_owned())]
        );
        assert_eq!(parse("```", &[]), [Block::Code(String::new())]);
    }

    #[test]
    fn inline_triple_backticks_are_a_code_span() {
        assert_eq!(spans("```x```"), [styled("x", CODE)]);
    }

    #[test]
    fn paragraph_keeps_inner_newlines() {
        assert_eq!(spans("a\n*b*\n"), [plain("a\n"), styled("b", ITALIC)]);
    }

    #[test]
    fn multibyte_text_survives() {
        assert_eq!(
            spans("héllo **wörld** 😀"),
            [plain("héllo "), styled("wörld", BOLD), plain(" 😀")]
        );
    }

    #[test]
    fn unclosed_markers_at_the_size_limit_keep_all_text() {
        // 8 KiB of openers that never close: each search must not rescan the rest.
        let text = " *a **b _c [d](e".repeat(8 * 1024 / 16);
        let shown: String = spans(&text).iter().map(|s| s.text.as_str()).collect();
        assert_eq!(shown, text);
    }

    #[test]
    fn mentions_outside_code_only() {
        assert!(mentions("hey @bob!", "bob"));
        assert!(mentions("**@Ann Lee** look", "Ann Lee"));
        assert!(!mentions("hey `@bob`", "bob"));
        assert!(!mentions("```\n@bob\n```", "bob"));
        assert!(!mentions("hey @bobby", "bob"));
        assert!(!mentions("bob@example.com", "bob"));
        assert!(!mentions("hey @bob", ""));
    }
}
