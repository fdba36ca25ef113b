//! What can be wrong in a script, as data, and the one place that words it.
//!
//! The lexer, splitter, parser driver, block builder and checks say *what* they found by
//! building a [`Problem`] with the facts (names, counts, the places a label points at); only
//! [`Problem::at`] turns it into a [`Diagnostic`] with a message, notes and help. So the wording
//! of every syntax diagnostic is reviewed in one file, and the same problem is always said the
//! same way wherever it is found.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// The front-end's problems. Texts borrowed from the script are quoted as written.
#[derive(Debug, Clone)]
pub(crate) enum Problem<'a> {
    TooLarge,
    /// A string, quoted name or `$(` left open (the lexer reads on to the end of the line).
    Unterminated {
        code: Code,
        what: &'static str,
    },
    UnterminatedComment,
    /// A run of characters that start no token.
    UnexpectedCharacters {
        text: &'a str,
    },
    InvisibleCharacters {
        text: &'a str,
    },
    /// More QS005 than are reported in one file.
    TooManyUnexpectedCharacters {
        more: usize,
        listed: usize,
    },
    NotUtf8 {
        code_page: &'static str,
    },
    /// QS101 with what the parser expected where it stopped.
    Expected {
        expected: Vec<String>,
        found: String,
    },
    /// QS101 when the parser has no useful list of alternatives.
    Unexpected {
        found: String,
    },
    /// QS101 with the parser's own words (a custom error).
    Parser {
        message: String,
    },
    /// The statement runs on into the next one; `previous_end` is where it should have ended.
    MissingSemicolonBefore {
        next: String,
        previous_end: Span,
    },
    /// The last statement has no `;`.
    NotTerminated,
    NestingTooDeep {
        limit: usize,
    },
    OperatorChainTooLong {
        limit: usize,
    },
    BlocksTooDeep {
        limit: usize,
    },
    PrefixNotAllowed,
    UnknownFormatItem {
        text: &'a str,
    },
    OrderByWithoutResident,
    SecondElse {
        first_else: Span,
    },
    StatementsBeforeCase,
    UnmatchedBlockEnd {
        clause: &'static str,
        opener: &'static str,
    },
    UnclosedBlock {
        block: &'static str,
        closer: &'static str,
    },
    NextVariableMismatch {
        next: &'a str,
        variable: &'a str,
        variable_span: Span,
    },
    PrecedingLoadWithoutSource,
    /// `Parser::clause` on text that is not a control clause.
    NotAClause,
    NoClause,
    TextAfterClause,
}

impl Problem<'_> {
    /// The diagnostic for this problem at `span`.
    pub(crate) fn at(self, span: Span) -> Diagnostic {
        match self {
            Problem::TooLarge => {
                Diagnostic::new(Code::TooLarge, span, "script of 4 GiB or more: not parsed")
            }
            Problem::Unterminated { code, what } => {
                Diagnostic::new(code, span, format!("{what} is not closed"))
                    .with_note("quoted text may span lines, so Qlik reads on to the end of the file")
                    .with_help("add the closing delimiter")
            }
            Problem::UnterminatedComment => Diagnostic::new(
                Code::UnterminatedComment,
                span,
                "block comment is not closed: it runs to the end of the file",
            )
            .with_note("Qlik reads everything after an unclosed `/*` as comment, so none of it runs")
            .with_help("close it with `*/` where the comment should end"),
            Problem::UnexpectedCharacters { text } => Diagnostic::new(
                Code::UnexpectedCharacter,
                span,
                format!(
                    "unexpected character{} `{text}`",
                    if text.chars().count() > 1 { "s" } else { "" }
                ),
            )
            .with_help("remove it, or quote the name or text it belongs to"),
            Problem::InvisibleCharacters { text } => {
                let codes: Vec<String> =
                    text.chars().map(|c| format!("U+{:04X}", c as u32)).collect();
                Diagnostic::new(
                    Code::InvisibleCharacter,
                    span,
                    format!("invisible character {} in the script", codes.join(" ")),
                )
                .with_note("zero-width spaces and byte-order marks are usually pasted in by accident; Qlik may read them as part of a name")
                .with_help("delete it (it does not show in most editors)")
            }
            Problem::TooManyUnexpectedCharacters { more, listed } => Diagnostic::new(
                Code::TooManyErrors,
                span,
                format!("{more} more unexpected characters in this file not reported"),
            )
            .with_note(format!(
                "only the first {listed} are listed, one per character and line"
            ))
            .with_help("if the file is not UTF-8, check its code page (`--encoding`)"),
            Problem::NotUtf8 { code_page } => Diagnostic::new(
                Code::NotUtf8,
                span,
                format!("file is not valid UTF-8 and has no BOM: read as {code_page} (guessed)"),
            )
            .with_note("Qlik Sense on Windows reads such files in the server's ANSI code page")
            .with_help(
                "if the guess is wrong, pass `--encoding`; better, save the file as UTF-8 with a BOM",
            ),
            Problem::Expected { expected, found } => Diagnostic::new(
                Code::SyntaxError,
                span,
                format!("expected {}, found {found}", expected.join(", ")),
            ),
            Problem::Unexpected { found } => {
                Diagnostic::new(Code::SyntaxError, span, format!("unexpected {found}"))
            }
            Problem::Parser { message } => Diagnostic::new(Code::SyntaxError, span, message),
            Problem::MissingSemicolonBefore { next, previous_end } => Diagnostic::new(
                Code::SyntaxError,
                span,
                format!("expected `;` before {next}"),
            )
            .with_label(previous_end, "the previous statement ends here")
            .with_help("end the previous statement with `;`"),
            Problem::NotTerminated => Diagnostic::new(
                Code::MissingSemicolon,
                span,
                "statement is not terminated by `;`",
            )
            .with_note("Qlik runs the script statement by statement; the last one still needs its `;`")
            .with_help("end the statement with `;`"),
            Problem::NestingTooDeep { limit } => Diagnostic::new(
                Code::NestingTooDeep,
                span,
                format!("expression nested deeper than {limit} levels"),
            )
            .with_help("split the expression with variables or intermediate fields"),
            Problem::OperatorChainTooLong { limit } => Diagnostic::new(
                Code::NestingTooDeep,
                span,
                format!("more than {limit} operators in a row in one expression"),
            )
            .with_help("split the expression with variables or intermediate fields"),
            Problem::BlocksTooDeep { limit } => Diagnostic::new(
                Code::NestingTooDeep,
                span,
                format!("control blocks nested deeper than {limit} levels"),
            ),
            Problem::PrefixNotAllowed => Diagnostic::new(
                Code::PrefixNotAllowed,
                span,
                "this prefix only applies to LOAD and SELECT",
            )
            .with_help("remove the prefix"),
            Problem::UnknownFormatItem { text } => Diagnostic::new(
                Code::UnknownFormatItem,
                span,
                format!("unknown format item `{text}`"),
            )
            .with_note("Qlik refuses a file format specification it does not know"),
            Problem::OrderByWithoutResident => Diagnostic::new(
                Code::OrderByWithoutResident,
                span,
                "ORDER BY is only allowed in a LOAD … RESIDENT",
            )
            .with_help("load into a table first, then sort it with a RESIDENT load"),
            Problem::SecondElse { first_else } => {
                Diagnostic::new(Code::SecondElse, span, "second ELSE in one IF block")
                    .with_label(first_else, "the first ELSE")
                    .with_note("Qlik skips from this ELSE to END IF: what follows it never runs")
                    .with_help("remove this ELSE branch, or make it an ELSEIF")
            }
            Problem::StatementsBeforeCase => Diagnostic::new(
                Code::StatementsBeforeCase,
                span,
                "statements between SWITCH and its first CASE",
            )
            .with_note("Qlik jumps from SWITCH to the matching CASE: these statements never run")
            .with_help("move them before the SWITCH or under a CASE"),
            Problem::UnmatchedBlockEnd { clause, opener } => Diagnostic::new(
                Code::UnmatchedBlockEnd,
                span,
                format!("{clause} without a matching {opener}"),
            )
            .with_help(format!("remove it, or add the {opener} it belongs to")),
            Problem::UnclosedBlock { block, closer } => Diagnostic::new(
                Code::UnclosedBlock,
                span,
                format!("{block} block is not closed"),
            )
            .with_help(format!("add {closer} where the block ends")),
            Problem::NextVariableMismatch {
                next,
                variable,
                variable_span,
            } => Diagnostic::new(
                Code::NextVariableMismatch,
                span,
                format!("NEXT {next} closes the loop over {variable}"),
            )
            .with_label(variable_span, "the loop variable")
            .with_help(format!("write NEXT {variable}")),
            Problem::PrecedingLoadWithoutSource => Diagnostic::new(
                Code::PrecedingLoadWithoutSource,
                span,
                "LOAD has no source and no LOAD or SELECT below it",
            )
            .with_note("a LOAD without FROM, RESIDENT, INLINE or AUTOGENERATE reads the statement that follows it")
            .with_help("add a source clause, or the statement it should read from"),
            Problem::NotAClause => Diagnostic::new(Code::SyntaxError, span, "not a control clause")
                .with_help("a control clause starts with IF, ELSEIF, ELSE, END, FOR, NEXT, DO, LOOP, SUB, CALL, SWITCH, CASE, DEFAULT or EXIT"),
            Problem::NoClause => Diagnostic::new(
                Code::SyntaxError,
                span,
                "expected a control clause, found nothing",
            ),
            Problem::TextAfterClause => {
                Diagnostic::new(Code::SyntaxError, span, "text after the control clause")
            }
        }
    }
}

/// What a line written to stop a reload on purpose is, added to its QS101.
pub(crate) fn deliberate_stop(d: Diagnostic) -> Diagnostic {
    d.with_note("this looks like a line written to make the reload fail here on purpose; Qlik's syntax check reports it as an error too")
        .with_help("to stop a reload on purpose, write `EXIT SCRIPT;` (or `Exit Error 'why';` on newer releases)")
}
