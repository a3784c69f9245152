import type { Endpoint, Fleet, FleetChange } from '../bindings';
import { endpointDraft, validateEndpoint } from '../fleet/forms';
import { endpointGroups, siteGroups } from '../fleet/options';
import { t } from '../i18n';
import { Select, TextArea, TextInput } from './Fields';
import { FormDialog, IdField, useEntityForm } from './FormDialog';

type Props = { fleet: Fleet; editing?: Endpoint | undefined; site: string; onClose: () => void };

export function EndpointForm({ fleet, editing, site, onClose }: Props) {
  const { draft, set, submit, errors, invalid, saving } = useEntityForm({
    initial: () => endpointDraft(editing, site),
    validate: validateEndpoint,
    toChange: (endpoint: Endpoint): FleetChange =>
      editing ? { kind: 'UpdateEndpoint', endpoint } : { kind: 'CreateEndpoint', endpoint },
    kind: 'endpoint',
    onClose,
  });
  const others = endpointGroups(fleet, draft.id.trim());

  return (
    <FormDialog
      title={editing ? t('form.editEndpoint') : t('form.newEndpoint')}
      errors={errors}
      saving={saving}
      onSubmit={submit}
      onClose={onClose}
    >
      <IdField
        value={draft.id}
        onValue={set('id')}
        editing={editing !== undefined}
        invalid={invalid.has('id')}
      />
      <Select
        testId="field-site"
        label={t('field.site')}
        value={draft.site}
        onValue={set('site')}
        empty={t('form.choose')}
        groups={siteGroups(fleet)}
        invalid={invalid.has('site')}
      />
      <TextInput
        testId="field-name"
        label={t('field.name')}
        value={draft.name}
        onValue={set('name')}
        hint={t('form.nameHint')}
      />
      <TextInput
        testId="field-host"
        label={t('field.host')}
        value={draft.host}
        onValue={set('host')}
        invalid={invalid.has('host')}
      />
      <TextInput
        testId="field-tags"
        label={t('field.tags')}
        value={draft.tags}
        onValue={set('tags')}
        hint={t('form.tagsHint')}
        invalid={invalid.has('tags')}
      />
      <Select
        testId="field-parent"
        label={t('field.parent')}
        value={draft.parent}
        onValue={set('parent')}
        empty={t('form.none')}
        groups={others}
        invalid={invalid.has('parent')}
      />
      <TextInput
        testId="field-ssh-user"
        label={t('field.sshUser')}
        value={draft.sshUser}
        onValue={set('sshUser')}
        invalid={invalid.has('sshUser')}
      />
      <TextInput
        testId="field-ssh-port"
        label={t('field.sshPort')}
        value={draft.sshPort}
        onValue={set('sshPort')}
        inputMode="numeric"
        hint={t('form.portHint')}
        invalid={invalid.has('sshPort')}
      />
      <Select
        testId="field-ssh-jump"
        label={t('field.sshJump')}
        value={draft.sshJump}
        onValue={set('sshJump')}
        empty={t('form.none')}
        groups={others}
        invalid={invalid.has('sshJump')}
      />
      <TextInput
        testId="field-ssh-credential"
        label={t('field.sshCredential')}
        value={draft.sshCredential}
        onValue={set('sshCredential')}
        hint={t('form.credentialHint')}
        invalid={invalid.has('sshCredential')}
      />
      <TextArea testId="field-notes" label={t('field.notes')} value={draft.notes} onValue={set('notes')} />
    </FormDialog>
  );
}
