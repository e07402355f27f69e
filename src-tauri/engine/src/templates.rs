//! Saved create-wizard inputs ("templates"), kept under one key of the settings store. A template holds a
//! `CreateRequest`, which has no secret field; cloud-init text is the user's own and kept as typed.

use crate::accounts::{replace_by_name, JsonSettings};
use crate::error::{AppError, Result};
use crate::model::CreateRequest;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use ts_rs::TS;

const KEY: &str = "templates";
const WHAT: &str = "The saved templates";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Template {
    pub name: String,
    pub account_id: String,
    pub request: CreateRequest,
}

pub struct Templates {
    settings: Arc<dyn JsonSettings>,
}

impl Templates {
    pub fn new(settings: Arc<dyn JsonSettings>) -> Self {
        Self { settings }
    }

    pub fn list(&self) -> Result<Vec<Template>> {
        self.settings.read_list(KEY, WHAT)
    }

    /// Saves under `template.name`, replacing a template of the same name.
    pub fn save(&self, template: Template) -> Result<Vec<Template>> {
        if template.name.trim().is_empty() {
            return Err(AppError::invalid_input("name", "Give the template a name."));
        }
        let mut all = self.list()?;
        replace_by_name(&mut all, template, |t| &t.name);
        self.settings.write_list(KEY, WHAT, &all)?;
        Ok(all)
    }

    pub fn remove(&self, name: &str) -> Result<Vec<Template>> {
        let mut all = self.list()?;
        all.retain(|t| t.name != name);
        self.settings.write_list(KEY, WHAT, &all)?;
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::MemorySettings;

    fn template(name: &str, flavor: &str) -> Template {
        Template {
            name: name.into(),
            account_id: "acct-1".into(),
            request: CreateRequest {
                name: "web".into(),
                flavor: Some(flavor.into()),
                count: 1,
                ..Default::default()
            },
        }
    }

    #[test]
    fn templates_are_saved_by_name_replaced_sorted_and_removed() {
        let settings = Arc::new(MemorySettings::default());
        let templates = Templates::new(settings.clone());
        templates.save(template("web", "small")).unwrap();
        templates.save(template("Api", "large")).unwrap();
        let all = templates.save(template("web", "medium")).unwrap();
        assert_eq!(all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), vec!["Api", "web"]);
        assert_eq!(all[1].request.flavor.as_deref(), Some("medium"));
        // What the store holds reads back the same (a fresh instance over the same settings).
        assert_eq!(Templates::new(settings).list().unwrap(), all);
        assert_eq!(templates.remove("Api").unwrap().len(), 1);
        assert_eq!(templates.save(template(" ", "x")).unwrap_err().code, crate::ErrorCode::InvalidInput);
    }
}
