//! Explanations: why did lofte label a unit as it did?
//!
//! Input: a `LabelledDocument`, a unit index and the lexicons. Output: an
//! `Explanation` that names the unit's context (section, lead-in, document parties),
//! each label, and every lexicon entry (file:line) that fired in the unit, with the
//! vague cues an anchor neutralised. It re-reads the unit's tokens but decides nothing:
//! the labels are the pipeline's own.

use serde::Serialize;

use crate::commitment::section_category;
use crate::lexicon::{ActorCategory, Lexicons};
use crate::matcher::tokenize;
use crate::model::{ActorSource, LabelledDocument, Unit};
use crate::parties::{self, Role};

/// Everything that decided one unit's labels.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub doc: String,
    pub unit: usize,
    pub kind: &'static str,
    pub text: String,
    pub section: Option<Context>,
    pub leadin: Option<Context>,
    /// The parties the document makes commit (`police`, `municipality`).
    pub document_parties: Vec<&'static str>,
    pub commitment: CommitmentExplanation,
    pub actor: Option<ActorExplanation>,
    pub vague: VagueExplanation,
}

/// A heading or lead-in over the unit, and what kind of section it opens.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub text: String,
    pub category: Option<&'static str>,
}

/// A lexicon entry that fired in the unit.
#[derive(Debug, Clone, Serialize)]
pub struct Fired {
    pub category: String,
    pub words: String,
    pub rule: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitmentExplanation {
    pub commitment: bool,
    pub goal: bool,
    /// What decided it: a phrase, or the lead-in or section the unit stands under.
    pub cue: String,
    pub rule: String,
    /// Every `commitment.txt` entry that matched in the unit.
    pub fired: Vec<Fired>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActorExplanation {
    pub actor: &'static str,
    pub source: &'static str,
    pub cue: String,
    /// The party mentions of the unit that decided (`actors.txt` entries, with roles).
    pub mentions: Vec<Fired>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VagueExplanation {
    pub vague: Option<bool>,
    pub cues: Vec<VagueCueExplanation>,
    pub anchors: Vec<Fired>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VagueCueExplanation {
    pub category: &'static str,
    pub words: String,
    pub neutralised: bool,
    pub rule: String,
}

/// Explains unit `idx` (0-based) of a labelled document.
pub fn explain(labelled: &LabelledDocument, idx: usize, lexicons: &Lexicons) -> Explanation {
    let units = &labelled.units;
    let unit = &units[idx];
    let context = |at: Option<usize>| {
        at.map(|at| Context {
            text: units[at].text.to_string(),
            category: section_category(&tokenize(&units[at].text), lexicons).map(|c| match c {
                crate::lexicon::SectionCategory::Commitments => "commitments",
                crate::lexicon::SectionCategory::Goals => "goals",
                crate::lexicon::SectionCategory::Background => "background",
            }),
        })
    };
    let tokens = tokenize(&unit.text);
    let words = |start: usize, end: usize| unit.text[tokens.span(start, end)].to_string();
    let fired = lexicons
        .commitment
        .find_all(&tokens)
        .iter()
        .map(|hit| Fired {
            category: format!("{:?}", hit.entry.category).to_lowercase(),
            words: words(hit.start, hit.end),
            rule: hit.entry.rule.to_string(),
        })
        .collect();
    let decision = &labelled.commitments[idx];
    let mut document_parties = Vec::new();
    if labelled.parties.police {
        document_parties.push("police");
    }
    if labelled.parties.municipality {
        document_parties.push("municipality");
    }
    let vague = &labelled.vague[idx];
    Explanation {
        doc: labelled.document.path.clone(),
        unit: idx + 1,
        kind: unit.kind.as_str(),
        text: unit.text.to_string(),
        section: context(unit.heading()),
        leadin: context(unit.leadin()),
        document_parties,
        commitment: CommitmentExplanation {
            commitment: decision.commitment,
            goal: decision.goal,
            cue: decision.cue.clone(),
            rule: decision.rule.to_string(),
            fired,
        },
        actor: labelled.actors[idx].as_ref().map(|actor| ActorExplanation {
            actor: actor.actor.as_str(),
            source: actor.source.as_str(),
            cue: actor.cue.clone(),
            mentions: deciding_unit(units, idx, actor.source, &actor.cue)
                .map(|at| mentions_of(&units[at], lexicons))
                .unwrap_or_default(),
        }),
        vague: VagueExplanation {
            vague: decision.commitment.then_some(vague.vague),
            cues: vague
                .cues
                .iter()
                .map(|cue| VagueCueExplanation {
                    category: cue.category,
                    words: cue.text.clone(),
                    neutralised: cue.neutralised,
                    rule: cue.rule.to_string(),
                })
                .collect(),
            anchors: vague
                .anchors
                .iter()
                .map(|anchor| Fired {
                    category: anchor.kind.to_string(),
                    words: anchor.text.clone(),
                    rule: anchor.rule.to_string(),
                })
                .collect(),
        },
    }
}

/// The unit whose words decided the actor: this one, the responsibility line after it,
/// or the lead-in or heading named in the cue.
fn deciding_unit(units: &[Unit], idx: usize, source: ActorSource, cue: &str) -> Option<usize> {
    match source {
        ActorSource::Explicit => Some(idx),
        ActorSource::Responsible => Some(idx + 1),
        ActorSource::LeadIn | ActorSource::Heading => {
            (0..idx).rev().find(|&at| units[at].text.as_str() == cue)
        }
        ActorSource::Document => None,
    }
}

fn mentions_of(unit: &Unit, lexicons: &Lexicons) -> Vec<Fired> {
    let tokens = tokenize(&unit.text);
    parties::mentions(&tokens, lexicons)
        .iter()
        .map(|mention| {
            let role = match mention.role {
                Role::Agent => "agent",
                Role::Partner => "partner",
                Role::NotAgent => "recipient, place or owner",
            };
            let (category, rule) = match mention.entry {
                Some(entry) => {
                    let entry = &lexicons.actors.entries[entry];
                    let category = match entry.category {
                        ActorCategory::Police => "police",
                        ActorCategory::Municipality => "municipality",
                        ActorCategory::Both => "both",
                        ActorCategory::Other => "other",
                        ActorCategory::We => "we",
                        ActorCategory::Joint => "joint",
                        ActorCategory::Body => "body",
                        _ => "marker",
                    };
                    (category, entry.rule.to_string())
                }
                None => (
                    "other",
                    "an unlisted name as subject (parties.rs)".to_string(),
                ),
            };
            Fired {
                category: format!("{category} ({role})"),
                words: unit.text[tokens.span(mention.start, mention.end)].to_string(),
                rule,
            }
        })
        .collect()
}

impl Explanation {
    /// The explanation as readable text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} unit {} ({})\n  {}\n",
            self.doc, self.unit, self.kind, self.text
        );
        if let Some(section) = &self.section {
            out.push_str(&format!(
                "  section: {}{}\n",
                section.text,
                category_note(section.category)
            ));
        }
        if let Some(leadin) = &self.leadin {
            out.push_str(&format!(
                "  lead-in: {}{}\n",
                leadin.text,
                category_note(leadin.category)
            ));
        }
        let parties = if self.document_parties.is_empty() {
            "none found".to_string()
        } else {
            self.document_parties.join(", ")
        };
        out.push_str(&format!("  document parties: {parties}\n"));

        let c = &self.commitment;
        out.push_str(&format!("commitment: {}", c.commitment));
        if !c.cue.is_empty() {
            out.push_str(&format!(" — {}", c.cue));
        }
        if !c.rule.is_empty() {
            out.push_str(&format!(" ({})", c.rule));
        }
        if c.goal {
            out.push_str(" [goal]");
        }
        out.push('\n');
        for fired in &c.fired {
            out.push_str(&format!(
                "  {:<10} {:<28} {}\n",
                fired.category,
                quoted(&fired.words),
                fired.rule
            ));
        }
        if let Some(actor) = &self.actor {
            out.push_str(&format!("actor: {} (from {})", actor.actor, actor.source));
            if !actor.cue.is_empty() {
                out.push_str(&format!(" — {}", actor.cue));
            }
            out.push('\n');
            for mention in &actor.mentions {
                out.push_str(&format!(
                    "  {:<36} {:<20} {}\n",
                    mention.category,
                    quoted(&mention.words),
                    mention.rule
                ));
            }
        }
        match self.vague.vague {
            Some(vague) => out.push_str(&format!("vague: {vague}\n")),
            None => out.push_str("vague: (not a commitment)\n"),
        }
        for cue in &self.vague.cues {
            let state = if cue.neutralised {
                "neutralised"
            } else {
                "counts"
            };
            out.push_str(&format!(
                "  {:<10} {:<28} {:<12} {}\n",
                cue.category,
                quoted(&cue.words),
                state,
                cue.rule
            ));
        }
        for anchor in &self.vague.anchors {
            out.push_str(&format!(
                "  anchor {:<11} {:<28} {}\n",
                anchor.category,
                quoted(&anchor.words),
                anchor.rule
            ));
        }
        out
    }
}

fn category_note(category: Option<&str>) -> String {
    category.map_or(String::new(), |c| format!(" [{c}]"))
}

fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::label_text;

    #[test]
    fn names_the_entries_that_made_a_sentence_vague() {
        let lexicons = Lexicons::embedded();
        let labelled = label_text("x.txt", "Polisen ska verka för ökad närvaro.", &lexicons);
        let explanation = explain(&labelled, 0, &lexicons);
        assert!(explanation.commitment.commitment);
        assert!(
            explanation.commitment.rule.starts_with("commitment.txt:"),
            "{explanation:?}"
        );
        let cues: Vec<(&str, &str)> = explanation
            .vague
            .cues
            .iter()
            .map(|c| (c.words.as_str(), c.rule.as_str()))
            .collect();
        assert_eq!(cues.len(), 2, "{cues:?}");
        assert_eq!(cues[0].0, "verka för");
        assert!(cues[0].1.starts_with("vague.txt:"));
        assert_eq!(cues[1].0, "ökad");
        let actor = explanation.actor.as_ref().unwrap();
        assert_eq!((actor.actor, actor.source), ("police", "explicit"));
        assert!(actor.mentions[0].rule.starts_with("actors.txt:"));
        let text = explanation.to_text();
        assert!(
            text.contains("vague: true") && text.contains("\"verka för\""),
            "{text}"
        );
    }

    #[test]
    fn shows_the_leadin_that_decided_the_actor() {
        let lexicons = Lexicons::embedded();
        let labelled = label_text(
            "x.txt",
            "Kommunen åtar sig att:\n• ordna nattvandringar\n",
            &lexicons,
        );
        let explanation = explain(&labelled, 1, &lexicons);
        assert_eq!(
            explanation.leadin.as_ref().unwrap().text,
            "Kommunen åtar sig att:"
        );
        let actor = explanation.actor.unwrap();
        assert_eq!((actor.actor, actor.source), ("municipality", "leadin"));
        assert_eq!(actor.mentions[0].words, "Kommunen");
    }
}
